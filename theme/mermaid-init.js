// Renders the book's ```mermaid blocks (mdbook-mermaid turns them into
// <pre class="mermaid">) in a palette that matches the current mdBook theme.
(() => {
    const darkThemes = ['coal', 'navy', 'ayu'];
    const isDark = () =>
        darkThemes.some((theme) => document.documentElement.classList.contains(theme));

    let renderedDark = isDark();
    mermaid.initialize({ startOnLoad: true, theme: renderedDark ? 'dark' : 'default' });

    // Mermaid cannot restyle a rendered diagram: when the reader switches
    // between a light and a dark theme, render the page again.
    new MutationObserver(() => {
        if (isDark() !== renderedDark) {
            renderedDark = isDark();
            window.location.reload();
        }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
})();
