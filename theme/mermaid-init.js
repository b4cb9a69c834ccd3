// Renders the book's ```mermaid blocks (mdbook-mermaid turns them into
// <pre class="mermaid">) in a palette that matches the current mdBook theme.
// Mermaid (2.6 MB) is loaded only on a page that has a diagram, after the
// page is parsed: ci/setup puts it in src/mermaid/.
(() => {
    const diagrams = [...document.querySelectorAll('pre.mermaid')].map((element) => [element, element.textContent]);
    if (diagrams.length === 0) return;

    const darkThemes = ['coal', 'navy', 'ayu'];
    const isDark = () =>
        darkThemes.some((theme) => document.documentElement.classList.contains(theme));

    // Mermaid replaces a diagram's text with its drawing: the text is kept
    // above, to draw it again in the other palette when the reader switches
    // between a light and a dark theme. (Reloading the page instead would
    // lose what the reader typed in a playground.)
    let renderedDark = null;
    let drawing = Promise.resolve(); // one drawing at a time, in the order asked
    const render = () => {
        drawing = drawing.then(() => {
            mermaid.initialize({ startOnLoad: false, theme: renderedDark ? 'dark' : 'default' });
            for (const [element, source] of diagrams) {
                element.removeAttribute('data-processed');
                element.textContent = source;
            }
            return mermaid.run({ nodes: diagrams.map(([element]) => element) });
        }).catch((error) => console.error(error));
    };
    const script = document.createElement('script');
    script.src = new URL('mermaid/mermaid.min.js', new URL(path_to_root, document.baseURI)).href;
    script.onload = () => {
        renderedDark = isDark(); // the theme now: the reader may have switched while it loaded
        render();
        new MutationObserver(() => {
            if (isDark() !== renderedDark) {
                renderedDark = isDark();
                render();
            }
        }).observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    };
    script.onerror = () => console.error(`${script.src} could not be loaded: run ci/setup`);
    document.head.append(script);
})();
