// Renders the book's ```mermaid blocks (mdbook-mermaid turns them into
// <pre class="mermaid">) in a palette that matches the current mdBook theme.
(() => {
    const darkThemes = ['coal', 'navy', 'ayu'];
    const isDark = () =>
        darkThemes.some((theme) => document.documentElement.classList.contains(theme));

    // Mermaid replaces a diagram's text with its drawing: keep the text, to
    // draw it again in the other palette when the reader switches between a
    // light and a dark theme. (Reloading the page instead would lose what
    // the reader typed in a playground.)
    const diagrams = [...document.querySelectorAll('pre.mermaid')].map((element) => [element, element.textContent]);
    let renderedDark = isDark();
    const render = () => {
        mermaid.initialize({ startOnLoad: false, theme: renderedDark ? 'dark' : 'default' });
        for (const [element, source] of diagrams) {
            element.removeAttribute('data-processed');
            element.textContent = source;
        }
        mermaid.run({ nodes: diagrams.map(([element]) => element) }).catch((error) => console.error(error));
    };
    render();
    new MutationObserver(() => {
        if (isDark() !== renderedDark) {
            renderedDark = isDark();
            render();
        }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
})();
