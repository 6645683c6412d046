// The chat page's behaviour, loaded once with the page (no outside resource).
// - a source or its [n] opens the reviewed article in a dialog, scrolled to the quoted
//   sentence; "Back to the chat" (or Escape) closes it and returns focus to the link;
// - a suggested question asks it;
// - the newest exchange is scrolled into view from its first line;
// - the question box takes focus on load only where there is a mouse (no jump on phones).
(() => {
  if (window.chatUI) return;
  let opener = null;

  function note(text) {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  function dialog() {
    let d = document.getElementById("article-dialog");
    if (d) return d;
    d = document.createElement("dialog");
    d.id = "article-dialog";
    d.setAttribute("aria-label", "Reviewed article");
    const bar = document.createElement("div");
    bar.className = "article-bar";
    const back = document.createElement("button");
    back.type = "button";
    back.id = "article-back";
    back.textContent = "← Back to the chat";
    back.addEventListener("click", () => d.close());
    const title = document.createElement("span");
    title.className = "article-bar-title";
    bar.append(back, title);
    const body = document.createElement("div");
    body.id = "article-body";
    d.append(bar, body);
    d.addEventListener("close", () => {
      if (opener && opener.isConnected) opener.focus();
      opener = null;
    });
    // inside the app's container: Gradio scopes the page's CSS to it (a modal dialog is shown
    // above everything wherever it sits)
    (document.querySelector(".gradio-container .contain") || document.body).appendChild(d);
    return d;
  }

  async function openArticle(href, from) {
    const d = dialog();
    const body = d.querySelector("#article-body");
    opener = from;
    body.replaceChildren(note("Opening the article…"));
    d.querySelector(".article-bar-title").textContent = "";
    if (!d.open) d.showModal();
    let article = null;
    try {
      const response = await fetch(href, { credentials: "same-origin" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        article = page.querySelector("article.article-view");
      }
    } catch (err) {
      article = null;
    }
    if (!article) {
      body.replaceChildren(note("Sorry, the article could not be opened. Please try again."));
      return;
    }
    body.replaceChildren(document.importNode(article, true));
    // the title stays in view beside the way back, however far down the quote is
    d.querySelector(".article-bar-title").textContent = body.querySelector("h1").textContent;
    const id = new URL(href, location.href).hash.slice(1);
    const target = (id && document.getElementById(id)) || body.querySelector("h1");
    target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  function ask(text) {
    const box = document.querySelector("#question textarea");
    const send = document.querySelector("#send");
    if (!box || !send) return;
    box.value = text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => send.click(), 50);
  }

  function scroller(element) {
    for (let e = element.parentElement; e; e = e.parentElement) {
      const style = getComputedStyle(e).overflowY;
      if ((style === "auto" || style === "scroll") && e.scrollHeight > e.clientHeight) return e;
    }
    return null;
  }

  // The newest question and the first line of its answer at the top of the chat.
  function showNewest() {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const users = document.querySelectorAll('#chat [data-testid="user"]');
    const answer = bots[bots.length - 1];
    if (!answer) return;
    const box = scroller(answer);
    if (!box) return;
    const question = users[users.length - 1];
    const top = box.getBoundingClientRect().top;
    const fits = question && answer.getBoundingClientRect().top - question.getBoundingClientRect().top
      < box.clientHeight / 2;
    const first = fits ? question : answer;
    // below the chat's own icon bar (clear, copy), which sits over its top edge
    box.scrollTop += first.getBoundingClientRect().top - top - 44;
  }

  function showComment() {
    const box = document.querySelector("#feedback-box");
    if (box) box.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target || !target.closest("#chat, #disclaimer")) return;
    const link = target.closest('a[href^="/article/"]');
    if (link) {
      event.preventDefault();
      openArticle(link.getAttribute("href"), link);
      return;
    }
    const suggestion = target.closest("button.suggest");
    if (suggestion) {
      event.preventDefault();
      ask(suggestion.textContent.trim());
    }
  }, true);

  window.chatUI = { openArticle, showNewest, showComment, ask };
  // Typing straight away suits a keyboard and mouse; on a touch screen focusing would open
  // the keyboard and scroll the title and disclaimer away.
  if (!window.matchMedia("(pointer: coarse)").matches) {
    let tries = 0;
    const focusBox = () => {
      const box = document.querySelector("#question textarea");
      if (box) box.focus({ preventScroll: true });
      else if (tries++ < 50) setTimeout(focusBox, 100);
    };
    focusBox();
  }
})();
