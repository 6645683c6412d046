"""Several app processes on one real Chroma server and one shared published index: a re-ingest
reaches every process without a restart."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from chatbot import Settings
from chatbot.indexing import ingest_folder

from .conftest import CORPUS, ROOT, free_port

pytestmark = pytest.mark.integration

QUESTION = "How long do the effects of IVIG last?"


def _ask(url: str, question: str) -> dict | None:
    """The app's answer as JSON, or None while it is still starting."""
    body = json.dumps({"data": [question, []]}).encode()
    request = urllib.request.Request(url + "/gradio_api/run/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["data"][0]
    except (urllib.error.URLError, ConnectionError):
        return None


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def _until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"{what} within {seconds:.0f} s")


def test_two_app_processes_follow_a_reingest_on_one_chroma_server(tmp_path, embeddings,
                                                                  chroma_server):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shared = tmp_path / "shared-index"  # the volume every process mounts
    settings = Settings(corpus_dir=corpus, chroma_host="127.0.0.1",
                        chroma_port=chroma_server.port,
                        index_dir=shared, chroma_dir=tmp_path / "unused")
    ingest_folder(settings, embeddings, progress=False)

    env = {**os.environ, "CHATBOT_CHROMA_HOST": "127.0.0.1",
           "CHATBOT_CHROMA_PORT": str(chroma_server.port), "CHATBOT_INDEX_DIR": str(shared),
           "CHATBOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
           "CHATBOT_TORCH_THREADS": "1", "CHATBOT_ANSWER_WORKERS": "2"}
    urls, apps = [], []
    try:
        for i in range(2):  # one after the other: two cold starts at once on 2 busy cores
            port = free_port()  # can miss Gradio's own 3-second start-up check
            log = tmp_path / f"app-{i}.log"
            with log.open("w") as err:
                app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)],
                                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
            url = f"http://127.0.0.1:{port}"
            urls.append(url)
            apps.append(app)

            def serving(url=url, app=app, log=log):
                if app.poll() is not None:
                    pytest.fail(f"an app process exited: {log.read_text()[-2000:]}")
                return _serving(url)

            _until(serving, 300, "an app process served its page")
            # Gradio checks its own page once it serves, with a 3-second timeout, and gives up
            # on a slow reply; an answer being worked out on 2 busy cores can make it slow
            time.sleep(3)
            first = _ask(url, QUESTION)
            assert first["status"] == "answered" and "three weeks" in first["answer"]

        article = corpus / "ivig-aiha.md"
        article.write_text(article.read_text().replace("lasting only around three weeks",
                                                       "lasting about two months"))
        report = ingest_folder(settings, embeddings, progress=False)
        assert report.added == 1 and report.removed == 1

        for url in urls:  # each process follows the new version by itself (within ~2 s)
            answer = _until(lambda url=url: (a := _ask(url, QUESTION)) and
                            "two months" in a["answer"] and a, 30,
                            f"{url} answered from the new version")
            assert "three weeks" not in answer["answer"]
            assert all("three weeks" not in c["quote"] for c in answer["citations"])
        # the old version's files are gone from the shared folder but the new one's are there
        assert len(list(shared.iterdir())) <= 2
    finally:
        for app in apps:
            app.terminate()
        for app in apps:
            app.wait(timeout=30)
