// The GC hazard demo (chapter 6): an AssemblyScript guest (incremental
// collector) returns an object; the reader churns, collects, and reads it
// back, with or without pinning it first.

export async function mount(element, { root }) {
    const { instance } = await WebAssembly.instantiate(
        await (await fetch(new URL('wasm/ch06_as_greeter.wasm', root))).arrayBuffer(),
        { env: { abort: () => { throw new Error('the guest aborted'); } } },
    );
    const guest = instance.exports;
    const { memory } = guest;
    element.innerHTML = `
        <p class="widget-title">GC hazard <span class="mono">(wasm: as-greeter.ts, AssemblyScript)</span></p>
        <div class="controls">
            <button data-act="greet">Call greet</button>
            <label><input type="checkbox" data-act="pin"> pin it right after the call</label>
            <button data-act="churn" disabled>Allocate 4 KiB of garbage</button>
            <button data-act="collect" disabled>__collect()</button>
            <button data-act="release" disabled>Done with it</button>
        </div>
        <div class="status" data-out="object" aria-live="polite">No object yet.</div>`;
    const button = (act) => element.querySelector(`[data-act=${act}]`);
    const out = element.querySelector('[data-out=object]');
    let held = null; // { ptr, length, text, pinned }

    // The object's length is in its header, 4 bytes before it; a fresh view each time.
    const read = (ptr) => {
        const length = new DataView(memory.buffer).getUint32(ptr - 4, true);
        const shown = Math.min(length, 80);
        const text = new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, Math.min(shown, memory.buffer.byteLength - ptr)));
        return { length, text };
    };
    const show = () => {
        if (!held) {
            out.textContent = 'No object yet.';
            return;
        }
        const now = read(held.ptr);
        const intact = now.length === held.length && now.text === held.text;
        out.innerHTML = `Object at <output>0x${held.ptr.toString(16)}</output>${held.pinned ? ' (pinned)' : ''}:
            length in header <output>${now.length}</output>, bytes <output></output>
            <span class="${intact ? 'good' : 'bad'}">${intact ? 'intact' : 'OVERWRITTEN'}</span>`;
        out.querySelectorAll('output')[2].textContent = JSON.stringify(now.text);
    };
    const setHolding = (holding) => {
        for (const act of ['churn', 'collect', 'release']) button(act).disabled = !holding;
        button('greet').disabled = holding;
    };

    button('greet').addEventListener('click', () => {
        const ptr = guest.greet(10);
        const pinned = button('pin').checked;
        if (pinned) guest.__pin(ptr); // before the guest runs anything else
        held = { ptr, pinned, ...read(ptr) };
        setHolding(true);
        show();
    });
    button('churn').addEventListener('click', () => { guest.churn(4096, 67); show(); });
    button('collect').addEventListener('click', () => { guest.__collect(); show(); });
    button('release').addEventListener('click', () => {
        if (held.pinned) guest.__unpin(held.ptr);
        held = null;
        setHolding(false);
        show();
    });
    element.dataset.ready = 'true';
}
