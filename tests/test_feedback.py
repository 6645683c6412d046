"""The feedback store: append-only, and never breaks the chat when it cannot write."""

import logging

from chatbot.feedback import FeedbackRecord, FeedbackStore

RECORD = FeedbackRecord("How fast?", "One to five days [1]", [{"n": 1}], "answered", "down", "hm")


def test_records_are_appended(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert store.add(RECORD) and store.add(RECORD)
    rows = store.all()
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["comment"] == "hm" and rows[0]["citations"] == '[{"n": 1}]'
    assert set(rows[0]) == {"id", "created_at", "question", "answer", "citations", "status",
                            "rating", "comment"}


def test_an_unwritable_store_is_logged_not_raised(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = FeedbackStore(blocker / "fb.sqlite3")
    with caplog.at_level(logging.ERROR):
        assert store.add(RECORD) is False
    assert "Feedback not stored" in caplog.text
