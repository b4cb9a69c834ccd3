// The playgrounds. ci/playgrounds.py marks three kinds of code block:
//
// - a JavaScript host block included from the JavaScript room (harness/js)
//   is followed by <pre data-widget="playground" data-file data-anchor>,
//   the output its test printed when the book's Chromium test ran it (what
//   a reader sees with JavaScript off). Run executes that test in a worker
//   (playground/worker.js) with the block as the page shows it, edited or
//   not, and shows what it printed and the guest's memory after each call.
// - a browser host that is a page of its own (the browser recipe) is
//   followed by <pre data-widget="playground" data-page data-guest>: Run
//   opens its page in a frame, with the script as the page shows it.
// - a `.wat` listing is followed by <div data-widget="playground" data-wat
//   data-anchor>. Assemble turns the edited text into a module (wabt, from
//   npm, served in wasm/wabt.js), which the host blocks and widgets of the
//   page then load in place of the tested one.
import { hexAddress, hexRows } from './memory-explorer.js';
import { fetchText } from './playground/fetch-text.js';

const TIME_LIMIT_SECONDS = 20;
// The proposals wabt must accept for the book's listings (memory64: chapter 19).
const FEATURES = { memory64: true, multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true };
const assembled = new Map(); // listing name -> the bytes the reader assembled on this page

export async function mount(element, { root }) {
  const code = element.previousElementSibling?.querySelector('code');
  if (!code) throw new Error('a playground must follow its code block');
  if (element.dataset.wat) await mountWat(element, code, root);
  else mountRunnable(element, code, element.dataset.page ? inFrame(element, root) : inWorker(element, root));
  element.dataset.ready = 'true';
}

/** An element from HTML text. */
function html(text) {
  const template = document.createElement('template');
  template.innerHTML = text.trim();
  return template.content.firstElementChild;
}

/**
 * Makes a highlighted code block editable in place, as plain text; `changed`
 * hears whether its text differs from the tested one.
 */
function editable(code, label, changed) {
  const tested = code.textContent;
  const highlighted = code.innerHTML;
  code.contentEditable = 'plaintext-only';
  code.spellcheck = false;
  code.setAttribute('role', 'textbox');
  code.setAttribute('aria-multiline', 'true');
  code.setAttribute('aria-label', label);
  // mdBook turns pages with the arrow keys and searches on `s`: not while typing here.
  code.addEventListener('keydown', (event) => event.stopPropagation());
  code.addEventListener('input', () => changed(code.textContent !== tested));
  return {
    text: () => code.textContent,
    edited: () => code.textContent !== tested,
    reset: () => {
      code.innerHTML = highlighted;
      changed(false);
    },
  };
}

function controls(buttons) {
  return html(`<div class="playground-controls">
      ${buttons}<span class="playground-status" role="status" aria-live="polite"></span></div>`);
}

/** Gathers the block and what mounting adds to it in one group, for readers and screenshots alike. */
function group(block, label) {
  const wrapper = html(`<div class="playground" role="group" aria-label="${label}"></div>`);
  block.before(wrapper);
  wrapper.append(block);
  return wrapper;
}

/**
 * A runnable block: Run, Stop and Reset, the output below, the memory view
 * under it. `start(code)` runs the code as the page shows it and returns
 * `{ result, stop }`: a promise of `{ passed, lines, snapshots }`, and how
 * to end the run early.
 */
function mountRunnable(output, code, start) {
  const expected = output.textContent;
  const wrapper = group(output.previousElementSibling, `Playground: ${(output.dataset.anchor ?? output.dataset.expected).replaceAll('_', ' ')}`);
  const bar = controls(`<button type="button" data-act="run">Run</button>
      <button type="button" data-act="stop" hidden>Stop</button>
      <button type="button" data-act="reset" disabled>Reset</button>`);
  const memory = memoryView();
  wrapper.append(bar, output, memory.element);
  const button = (act) => bar.querySelector(`[data-act=${act}]`);
  const status = bar.querySelector('.playground-status');
  const editor = editable(code, 'Code: edit it, then press Run', (edited) => {
    button('reset').disabled = !edited;
  });
  let running = null; // { result, stop } of the run in progress
  let timer = null;

  // Back to Run. `stop` ends the run's worker or frame; a run that finished
  // has ended its worker itself, and leaves its frame for the reader.
  const idle = ({ stop }) => {
    clearTimeout(timer);
    if (stop) running?.stop();
    running = null;
    const focused = [button('stop'), document.body].includes(document.activeElement);
    button('run').hidden = false;
    button('stop').hidden = true;
    if (focused) button('run').focus(); // not away from where the reader is typing
  };
  const finish = ({ passed, lines, snapshots }, { stop = false } = {}) => {
    idle({ stop });
    output.textContent = `${lines.join('\n')}\n`;
    output.dataset.state = passed ? 'passed' : 'failed';
    status.textContent = output.textContent === expected
      ? 'The output is the expected output.' : 'The output differs from the expected output.';
    memory.show(snapshots);
  };
  button('run').addEventListener('click', () => {
    output.dataset.state = 'running';
    output.textContent = 'Running…\n';
    status.textContent = 'Running…';
    memory.show([]);
    button('run').hidden = true;
    button('stop').hidden = false;
    button('stop').focus();
    const started = start(editor.text());
    running = started;
    timer = setTimeout(() => {
      if (running === started) finish({ passed: false, lines: [`Stopped: the run took more than ${TIME_LIMIT_SECONDS} s.`], snapshots: [] }, { stop: true });
    }, TIME_LIMIT_SECONDS * 1000);
    started.result
      .catch((error) => ({ passed: false, lines: [`The playground could not run: ${error.message}`], snapshots: [] }))
      .then((result) => {
        if (running === started) finish(result);
      });
  });
  button('stop').addEventListener('click', () => finish({ passed: false, lines: ['Stopped.'], snapshots: [] }, { stop: true }));
  button('reset').addEventListener('click', () => {
    if (running) idle({ stop: true });
    editor.reset();
    output.textContent = expected;
    output.dataset.state = 'expected';
    status.textContent = 'The tested code is back.';
    memory.show([]);
  });
  output.dataset.state = 'expected';
}

/** Runs the test that holds a JavaScript room's block, in a worker (playground/worker.js). */
function inWorker(output, root) {
  return (code) => {
    const worker = new Worker(new URL('playground/worker.js', import.meta.url), { type: 'module' });
    const result = new Promise((resolve) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (event) => {
        event.preventDefault(); // shown in the output, not as a console error
        resolve({ passed: false, lines: [`Uncaught ${event.message}`], snapshots: [] });
      };
    }).finally(() => worker.terminate());
    worker.postMessage({
      root: root.href,
      file: output.dataset.file,
      anchor: output.dataset.anchor,
      testName: output.dataset.test,
      code,
      overrides: Object.fromEntries(assembled),
    });
    return { result, stop: () => worker.terminate() };
  };
}

/**
 * Runs a browser host that is a page of its own (index.html and its
 * script) in a frame, the script as the page shows it, with its guest (a
 * `.wat` listing, assembled here) served to it as greet.wasm. A module in
 * front of the script records the calls into the guest (session.js). The
 * output is those calls, then what the page shows; the frame stays. The
 * frame shares this page's thread: Stop and the time limit remove it, but
 * cannot interrupt a script that never yields.
 */
function inFrame(output, root) {
  const dir = new URL(`wasm/${output.dataset.page}/`, root);
  return (code) => {
    output.parentElement.querySelector('iframe.playground-frame')?.remove(); // the last run's
    const frame = document.createElement('iframe');
    frame.className = 'playground-frame';
    frame.title = 'The page this host script runs in';
    const urls = [];
    const url = (bytes, type) => {
      urls.push(URL.createObjectURL(new Blob([bytes], { type })));
      return urls.at(-1);
    };
    const result = (async () => {
      const [page, wat, compiler] = await Promise.all([
        fetchText(new URL('index.html', dir)), fetchText(new URL(`wasm/${output.dataset.guest}`, root)), loadWabt(root)]);
      const module = compiler.parseWat('greet.wat', wat, FEATURES);
      const guest = url(module.toBinary({}).buffer, 'application/wasm');
      module.destroy();
      const recorder = `<script type="module">
        import { run, scope, snapshot } from '${new URL('playground/session.js', import.meta.url)}';
        const serve = fetch;
        window.fetch = (url, options) => serve(String(url) === 'greet.wasm' ? '${guest}' : url, options);
        WebAssembly.instantiate = scope.WebAssembly.instantiate;
        window.playground = { run, snapshot };
      </script>`;
      const script = `<script type="module" src="${url(code, 'text/javascript')}"></script>`;
      frame.srcdoc = page
        .replace('<head>', () => `<head><base href="${dir}">`)
        .replace(/<script type="module" src="[^"]+"><\/script>/, () => `${recorder}${script}`);
      output.after(frame);
      await new Promise((resolve, reject) => {
        frame.onload = resolve;
        frame.onerror = reject;
      });
      const body = frame.contentDocument.body;
      while (!body.dataset.status) {
        if (!frame.isConnected) throw new Error('stopped');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { run, snapshot } = frame.contentWindow.playground;
      const shown = ['greeting', 'floats', 'timing']
        .map((id) => frame.contentDocument.getElementById(id)?.textContent).filter(Boolean);
      return {
        passed: body.dataset.status === 'passed',
        lines: [...run.lines, 'The page shows:', ...shown],
        snapshots: [...run.snapshots, snapshot(`after the run: ${run.calls} calls`)],
      };
    })().finally(() => urls.forEach((made) => URL.revokeObjectURL(made)));
    return { result, stop: () => frame.remove() };
  };
}

/**
 * The memory after each call of a run, with the buffers the calls handed
 * over highlighted: the host's input buffers, the results, the freed ones.
 */
function memoryView() {
  const element = html(`<div class="playground-memory" hidden>
      <div class="playground-controls">
        <button type="button" data-act="back" aria-label="The memory after the call before">◀</button>
        <span class="mono" data-out="title" aria-live="polite"></span>
        <button type="button" data-act="forward" aria-label="The memory after the next call">▶</button>
      </div>
      <p data-out="pages"></p>
      <p class="bad" data-out="stale" hidden></p>
      <ul class="playground-ranges"></ul>
      <table class="hex" aria-label="Guest memory around the buffers the calls handed over, 16 bytes per row"></table>
    </div>`);
  const out = (name) => element.querySelector(`[data-out=${name}]`);
  let snapshots = [];
  let at = 0;
  const render = () => {
    const { title, pages, ranges, windows, staleViews } = snapshots[at];
    out('title').textContent = `${at + 1}/${snapshots.length}: ${title}`;
    out('pages').textContent = `memory: ${pages} pages (${pages * 64} KiB)`;
    out('stale').hidden = staleViews === 0;
    out('stale').textContent = `⚠ ${staleViews === 1 ? '1 view' : `${staleViews} views`} of this memory made before it grew: detached now (length 0), so reading one gives nothing.`;
    element.querySelector('.playground-ranges').innerHTML = ranges.map(({ ptr, len, label }) => `<li class="${label}" data-label="${label}" data-ptr="${ptr}" data-len="${len}">
        <span class="swatch"></span>${label}: ${hexAddress(ptr)}..${hexAddress(ptr + len)} (${len} bytes)</li>`).join('');
    const labelAt = (address) => ranges.findLast(({ ptr, len }) => address >= ptr && address < ptr + len);
    const rows = windows.flatMap(({ start, bytes }, index) => [
      ...(index > 0 ? ['<tr><th>…</th></tr>'] : []),
      ...hexRows((address) => bytes[address - start], start, bytes.length / 16,
        (address) => labelAt(address)?.label ?? '',
        (address) => (labelAt(address) ? `${labelAt(address).label} ${hexAddress(labelAt(address).ptr)}` : '')),
    ]);
    element.querySelector('table.hex').innerHTML = rows.join('');
    const [back, forward] = ['back', 'forward'].map((act) => element.querySelector(`[data-act=${act}]`));
    const focused = document.activeElement;
    back.disabled = at === 0;
    forward.disabled = at === snapshots.length - 1;
    // A disabled button loses the focus: hand it to the other one.
    if (focused === back && back.disabled && !forward.disabled) forward.focus();
    if (focused === forward && forward.disabled && !back.disabled) back.focus();
  };
  element.querySelector('[data-act=back]').addEventListener('click', () => { at -= 1; render(); });
  element.querySelector('[data-act=forward]').addEventListener('click', () => { at += 1; render(); });
  return {
    element,
    show(list) {
      snapshots = list.filter((snapshot) => snapshot.pages > 0);
      at = snapshots.length - 1;
      element.hidden = snapshots.length === 0;
      if (snapshots.length) render();
    },
  };
}

let wabt = null;

/** wabt's compiler, loaded once, on the first Assemble of the page (again after a failure). */
function loadWabt(root) {
  wabt ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('wasm/wabt.js', root).href;
    script.onload = () => resolve(globalThis.WabtModule());
    script.onerror = () => reject(new Error('wabt.js could not be loaded'));
    document.head.append(script);
  }).catch((error) => {
    wabt = null;
    throw error;
  });
  return wabt;
}

let manifest = null;

/** The listings the book serves (`wasm/artifacts.json`), fetched once per page. */
function listings(root) {
  manifest ??= fetchText(new URL('wasm/artifacts.json', root)).then(JSON.parse).catch((error) => {
    manifest = null;
    throw error;
  });
  return manifest;
}

// The `.wat` blocks of the page, by listing: Assemble puts every block of
// the listing, as the page shows it, into the file, so that an edit in one
// block is kept when another block of the same listing assembles.
const watBlocks = new Map(); // source -> [{ anchor, editor }]

async function mountWat(element, code, root) {
  const source = element.dataset.wat;
  const [name, artifact] = Object.entries(await listings(root)).find(([, { source: from }]) => from === source) ?? [];
  if (!name) throw new Error(`no listing is assembled from ${source}`);
  const { file } = artifact;
  group(element.previousElementSibling, `Playground: ${source.split('/').at(-1)}`).append(element);
  element.append(controls(`<button type="button" data-act="assemble">Assemble</button>
      <button type="button" data-act="reset" disabled>Reset</button>`));
  const button = (act) => element.querySelector(`[data-act=${act}]`);
  const status = element.querySelector('.playground-status');
  const editor = editable(code, 'WebAssembly text: edit it, then press Assemble', (edited) => {
    button('reset').disabled = !edited && !assembled.has(name);
  });
  const anchor = element.dataset.anchor;
  const siblings = watBlocks.get(source) ?? [];
  watBlocks.set(source, [...siblings, { anchor, editor }]);
  const announce = (bytes) => document.dispatchEvent(new CustomEvent('playground-assembled', { detail: { name, file, bytes } }));
  const say = (kind, text) => {
    status.className = `playground-status ${kind}`;
    status.textContent = text;
  };

  const assemble = async () => {
    let module;
    try {
      const [whole, compiler] = await Promise.all([fetchText(new URL(`wasm/${source}`, root)), loadWabt(root)]);
      const { text, where } = spliceWat(whole, watBlocks.get(source), anchor);
      try {
        module = compiler.parseWat(source.split('/').at(-1), text, FEATURES);
        module.resolveNames();
        module.validate();
      } catch (error) {
        say('bad', locate(error.message, where));
        return;
      }
      const buffer = module.toBinary({}).buffer.slice(); // a copy: destroy() frees wabt's
      assembled.set(name, buffer);
      say('good', `Assembled ${file}: ${buffer.length} bytes. The host blocks of this page that load it, and its widgets, now run yours.`);
      button('reset').disabled = false;
      announce(buffer);
    } catch (error) {
      say('bad', `Could not assemble: ${error.message}`);
    } finally {
      module?.destroy();
    }
  };
  button('assemble').addEventListener('click', assemble);
  button('reset').addEventListener('click', async () => {
    editor.reset();
    button('reset').disabled = true;
    if (watBlocks.get(source).some((block) => block.editor.edited())) {
      await assemble(); // the listing's other edited blocks still count
      return;
    }
    assembled.delete(name);
    say('', `The tested ${file} is back.`);
    announce(null);
  });
}

/**
 * The whole `.wat` file with each block of the page (`blocks`: an anchor and
 * an editor each; no anchor is the whole file) put in its place, and
 * `where(line)`: a line of that text as the page numbers it, in the block of
 * `anchor` or else in the file.
 */
function spliceWat(whole, blocks, anchor) {
  const lines = whole.split('\n');
  const everything = blocks.find((block) => !block.anchor);
  if (everything) return { text: everything.editor.text(), where: (line) => `line ${line}` };
  for (const block of blocks) {
    const start = lines.findIndex((line) => line.trim() === `;; ANCHOR: ${block.anchor}`) + 1;
    const end = lines.findIndex((line) => line.trim() === `;; ANCHOR_END: ${block.anchor}`);
    if (start === 0 || end < start) throw new Error(`the listing has no block ${block.anchor}`);
    lines.splice(start, end - start, ...block.editor.text().replace(/\n$/, '').split('\n'));
  }
  const first = lines.findIndex((line) => line.trim() === `;; ANCHOR: ${anchor}`) + 1;
  const last = lines.findIndex((line) => line.trim() === `;; ANCHOR_END: ${anchor}`);
  return {
    text: lines.join('\n'),
    where: (line) => (line > first && line <= last ? `line ${line - first}` : `line ${line} of the whole file`),
  };
}

/** wabt's `file.wat:LINE:COLUMN: error: ...`, its lines as the page numbers them. */
function locate(message, where) {
  return message
    .replace(/^\w+ failed:\n/, '')
    .replace(/^[^\n:]+\.wat:(\d+):(\d+): /gm, (_, line, column) => `${where(Number(line))}, column ${column}: `)
    .trim();
}
