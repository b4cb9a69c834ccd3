// Mounts the book's interactive widgets. A chapter asks for one with
//   <div class="wasm-widget" data-widget="NAME"></div>
// (ci/playgrounds.py writes the playgrounds' own elements), and this loads
// src/widgets/NAME.js (an ES module) only on pages that have one, and calls
// its `mount(element, { root })` for each, where `root` is the URL of the
// book's root (the compiled guests are in `${root}wasm/`).
(() => {
    const root = new URL(path_to_root, document.baseURI);
    // The print page holds every chapter: it shows code and outputs, and
    // runs none of the playgrounds.
    const printing = /\/print\.html$/.test(location.pathname);
    for (const element of document.querySelectorAll('[data-widget]')) {
        if (printing && element.dataset.widget === 'playground') continue;
        const module = new URL(`widgets/${element.dataset.widget}.js`, root);
        import(module.href)
            .then((widget) => widget.mount(element, { root }))
            .catch((error) => {
                element.append(` (This interactive example could not start: ${error.message})`);
                console.error(error);
            });
    }
})();
