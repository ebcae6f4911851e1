// Run in the page before printing: wait for MathJax, fonts and images; make a table of contents from
// the theme's "Contents" panel; turn links to files beside the HTML (CSV downloads: a PDF cannot carry
// them, and a file:// link names the machine that printed it) into text; shrink tables too wide for
// the page; report what would spoil the PDF.
// Its value is the report that pwcore.book.pdf.check_prepared reads; pwcore.book.pdf puts the
// milliseconds MathJax may take to appear in place of the placeholder on the deadline line.
(async () => {
  const deadline = Date.now() + {{MATHJAX_MS}};  // MathJax is a deferred script: there at load
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  const mathjax = !!(window.MathJax && MathJax.startup && MathJax.startup.promise);
  if (mathjax) { await MathJax.startup.promise; }
  for (const image of document.images) { image.loading = 'eager'; }
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  const panel = document.querySelector('#pst-page-toc-nav');
  const article = document.querySelector('article.bd-article');
  let contents = 0;
  if (panel && article) {
    const nav = document.createElement('nav');
    nav.className = 'pwcore-contents';
    nav.innerHTML = '<h2>Contents</h2>' + panel.innerHTML;
    for (const a of nav.querySelectorAll('a')) { a.removeAttribute('class'); }
    for (const caption of nav.querySelectorAll('[role="heading"]')) {  // not in the PDF's outline
      caption.removeAttribute('role');
      caption.removeAttribute('aria-level');
    }
    contents = nav.querySelectorAll('a[href^="#"]').length;
    const title = article.querySelector('h1');
    title ? title.after(nav) : article.prepend(nav);
  }
  for (const a of article.querySelectorAll('a[href]')) {  // a file beside the HTML, e.g. a CSV to download
    if (a.protocol === 'file:' && a.pathname !== location.pathname) {
      const span = document.createElement('span');
      span.innerHTML = a.innerHTML;
      a.replaceWith(span);
    }
  }
  for (const d of document.querySelectorAll('details')) { d.open = true; }
  await document.fonts.ready;
  // laid out for print (the tab emulates print media at the page's width): shrink what is too wide
  const right = article.getBoundingClientRect().right + 1;
  const width = article.getBoundingClientRect().width + 1;
  let shrunk = 0;
  for (const table of article.querySelectorAll('table')) {
    let zoom = 1;
    while (table.getBoundingClientRect().width > width && zoom > 0.65) {
      zoom -= 0.05;
      table.style.zoom = zoom;
    }
    if (table.getBoundingClientRect().width > width) { table.classList.add('pwcore-squeezed'); }
    shrunk += zoom < 1;
  }
  const wide = [...article.querySelectorAll('table, pre, img, mjx-container, .output')]
    .filter(e => e.getBoundingClientRect().right > right)
    .map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 40));
  const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
  const internal = [...article.querySelectorAll('a[href^="#"]')].map(a => decodeURIComponent(a.hash.slice(1)));
  return {
    mathjax: mathjax,
    math: document.querySelectorAll('mjx-container').length,
    mathErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent).slice(0, 5),
    mathElements: article.querySelectorAll('.math').length,
    rawMath: [...article.querySelectorAll('.math')].filter(e => /\\\(|\\\[|\$\$/.test(e.textContent)).length,
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    remote: performance.getEntriesByType('resource').map(e => e.name)
      .filter(n => !n.startsWith('file:') && !n.startsWith('data:')),
    contents: contents,
    deadLinks: internal.filter(id => id && !ids.has(id)).slice(0, 10),
    shrunk: shrunk,
    wide: wide.slice(0, 10),
  };
})()
