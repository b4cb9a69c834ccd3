// Mounts the book's interactive widgets. A chapter asks for one with
//   <div class="wasm-widget" data-widget="NAME"></div>
// and this loads src/widgets/NAME.js (an ES module) only on pages that have
// one, and calls its `mount(element, { root })`, where `root` is the URL of
// the book's root (the compiled guests are in `${root}wasm/`).
(() => {
    const root = new URL(path_to_root, document.baseURI);
    for (const element of document.querySelectorAll('.wasm-widget[data-widget]')) {
        const module = new URL(`widgets/${element.dataset.widget}.js`, root);
        import(module.href)
            .then((widget) => widget.mount(element, { root }))
            .catch((error) => {
                element.textContent = `This interactive example could not start: ${error.message}`;
                console.error(error);
            });
    }
})();
