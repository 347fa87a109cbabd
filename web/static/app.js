// oped: progressive enhancement only. Everything works without this file;
// it adds the "/" shortcut, search-box suggestions and folded filters on
// phones.

const box = document.getElementById("q");

// "/" focuses the search box, unless the user is typing somewhere already.
document.addEventListener("keydown", (ev) => {
  if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  if (!box) return;
  ev.preventDefault();
  box.focus();
  box.select();
});

// Suggestions: titles and authors completing what is typed, through the
// browser's own accessible datalist.
const list = document.getElementById("suggestions");
if (box && list) {
  let timer = 0;
  let inflight = null;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    const prefix = box.value.trim();
    if (prefix.length < 2) {
      list.replaceChildren();
      return;
    }
    timer = setTimeout(async () => {
      if (inflight) inflight.abort();
      inflight = new AbortController();
      try {
        const res = await fetch("/api/v1/suggest?n=8&q=" + encodeURIComponent(prefix), { signal: inflight.signal });
        if (!res.ok) return;
        const doc = await res.json();
        const opts = (doc.suggestions || []).map((s) => {
          const o = document.createElement("option");
          o.value = s.kind === "author" ? 'author:"' + s.text + '"' : s.text;
          o.label = s.kind === "author" ? "Author" : "Title";
          return o;
        });
        list.replaceChildren(...opts);
      } catch (err) {
        if (err.name !== "AbortError") console.warn("suggest:", err);
      }
    }, 150);
  });
}

// On a phone the filter sidebar starts folded, so results come first.
const filters = document.querySelector("details.filters");
if (filters && window.matchMedia("(max-width: 760px)").matches) {
  filters.open = false;
}
