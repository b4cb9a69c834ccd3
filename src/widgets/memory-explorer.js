// The memory explorer (chapter 2): a JavaScript host in this page, driving
// the guest of Listing 4-1, with its linear memory shown as bytes.

const ROWS = 16;
const COLUMNS = 16;

/**
 * The rows of a hex table (address, 16 bytes, their text), from `start`:
 * `byteAt(address)` is the byte there, or undefined past the memory's end;
 * `classOf(address)` the classes of its cell, and `titleOf(address)` its
 * tooltip. The playgrounds show their memory with it too.
 */
export function hexRows(byteAt, start, rows, classOf, titleOf = () => '') {
    const lines = [];
    for (let row = 0; row < rows; row++) {
        const base = start + row * COLUMNS;
        const cells = [];
        let text = '';
        for (let col = 0; col < COLUMNS; col++) {
            const address = base + col;
            const byte = byteAt(address);
            const title = titleOf(address);
            cells.push(`<td class="${classOf(address)}"${title ? ` title="${title}"` : ''}>${byte === undefined ? '··' : byte.toString(16).padStart(2, '0')}</td>`);
            text += byte !== undefined && byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '·';
        }
        const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
        lines.push(`<tr><th>${hexAddress(base)}</th>${cells.join('')}<td class="ascii">${escaped}</td></tr>`);
    }
    return lines;
}

/** An address as the tables show it: `0x110018`. */
export const hexAddress = (n, digits = 6) => `0x${n.toString(16).padStart(digits, '0')}`;

export async function mount(element, { root }) {
    const { instance } = await WebAssembly.instantiate(
        await (await fetch(new URL('wasm/ch04_packed_return.wasm', root))).arrayBuffer());
    const { memory, allocate, deallocate, greet } = instance.exports;
    const staleView = new Uint8Array(memory.buffer); // made once, on purpose
    const live = new Map(); // ptr -> { len, what }, the buffers the host holds
    let input = null; // { ptr, len }
    let result = null; // { ptr, len }
    let start = 0;

    element.innerHTML = `
        <p class="widget-title">Memory explorer <span class="mono">(wasm: Listing 4-1, packed-return)</span></p>
        <div class="controls">
            <label>name <input name="name" value="Ferris" size="12" spellcheck="false"></label>
            <button data-act="write">allocate + write</button>
            <button data-act="call" disabled>call greet</button>
            <button data-act="free" disabled>deallocate all</button>
            <button data-act="grow">memory.grow(1)</button>
        </div>
        <div class="status" data-out="call" aria-live="polite"></div>
        <div class="status" data-out="views"></div>
        <div class="controls">
            <button data-act="back" aria-label="Show lower addresses">◀</button>
            <span class="mono" data-out="window"></span>
            <button data-act="forward" aria-label="Show higher addresses">▶</button>
        </div>
        <table class="hex" aria-label="Guest memory, 16 bytes per row"></table>`;
    const button = (act) => element.querySelector(`[data-act=${act}]`);
    const out = (name) => element.querySelector(`[data-out=${name}]`);
    const inLive = (address) => [...live.keys()].some((ptr) => address >= ptr && address < ptr + live.get(ptr).len);

    const render = () => {
        const bytes = new Uint8Array(memory.buffer); // fresh, every time
        const classOf = (address) => [inLive(address) ? 'live' : '', result && address >= result.ptr && address < result.ptr + result.len ? 'result' : ''].join(' ').trim();
        const rows = hexRows((address) => bytes[address], start, ROWS, classOf);
        element.querySelector('table.hex').innerHTML = rows.join('');
        out('window').textContent = `${hexAddress(start)} … ${hexAddress(start + ROWS * COLUMNS - 1)}`;
        out('views').innerHTML = `memory: <output>${memory.buffer.byteLength / 65536}</output> pages.
            A view made when the page loaded has length <output>${staleView.length}</output>${staleView.length === 0 ? ' <span class="bad">(detached by memory.grow)</span>' : ''};
            a fresh one has length <output>${bytes.length}</output>.`;
        button('call').disabled = !input;
        button('free').disabled = live.size === 0;
    };
    const showAt = (address) => {
        start = Math.max(0, Math.floor(address / COLUMNS) * COLUMNS - COLUMNS);
    };

    button('write').addEventListener('click', () => {
        const text = element.querySelector('input[name=name]').value;
        const capacity = text.length * 3;
        const ptr = allocate(capacity);
        const { written } = new TextEncoder().encodeInto(text, new Uint8Array(memory.buffer, ptr, capacity));
        if (input) { deallocate(input.ptr, input.capacity); live.delete(input.ptr); }
        input = { ptr, len: written, capacity };
        live.set(ptr, { len: capacity, what: 'input' });
        out('call').innerHTML = `allocate(${capacity}) returned <output>${hexAddress(ptr)}</output>; wrote ${written} bytes.`;
        showAt(ptr);
        render();
    });
    button('call').addEventListener('click', () => {
        const packed = greet(input.ptr, input.len);
        const ptr = Number(packed & 0xffffffffn);
        const len = Number(packed >> 32n);
        result = { ptr, len };
        live.set(ptr, { len, what: 'result' });
        const text = new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len));
        out('call').innerHTML = `greet returned <output>0x${packed.toString(16).padStart(16, '0')}n</output>:
            pointer <output>${hexAddress(ptr)}</output>, length <output>${len}</output>, <output></output>`;
        out('call').querySelectorAll('output')[3].textContent = JSON.stringify(text);
        showAt(ptr);
        render();
    });
    button('free').addEventListener('click', () => {
        for (const [ptr, { len }] of live) deallocate(ptr, len);
        live.clear();
        input = null;
        result = null;
        out('call').textContent = 'Every buffer was given back with deallocate(ptr, len).';
        render();
    });
    button('grow').addEventListener('click', () => {
        const before = memory.grow(1);
        out('call').textContent = `memory.grow(1) returned ${before}: the old ArrayBuffer is detached.`;
        render();
    });
    button('back').addEventListener('click', () => { start = Math.max(0, start - ROWS * COLUMNS); render(); });
    button('forward').addEventListener('click', () => { start += ROWS * COLUMNS; render(); });
    showAt(instance.exports.__heap_base.value);
    render();
    element.dataset.ready = 'true';
}
