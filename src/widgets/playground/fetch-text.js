// One file of the book, as text, for the page and for the worker that runs
// a playground: a missing file is an error that names it.
export async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url}: ${response.status}`);
  return response.text();
}
