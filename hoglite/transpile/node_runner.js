// Runs many transpiled Hog programs (format "runner") in ONE node process, each in its own V8 context,
// and reports per program what it printed, what it returned and how it failed. Used by the conformance
// suite and the tests (hoglite/transpile/node.py): node's start-up costs far more than a small program.
//
// stdin: a JSON array of jobs {id, code, globals?, fetch?}; `fetch` is a list of canned responses the
// injected async `fetch` returns in order (each recorded call is reported back).
// stdout: a JSON object {id: {lines, result, error, errorKind, errorType, errorMessage, rendered, fetches}}.
'use strict';
const vm = require('vm');

function readStdin() {
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function contextGlobals() {
  return {
    console, setTimeout, clearTimeout, TextEncoder, TextDecoder, URL, URLSearchParams,
    crypto: globalThis.crypto, structuredClone, queueMicrotask,
  };
}

async function runJob(job) {
  const out = { lines: [], prints: [], resultJson: null, result: null, error: null, errorKind: null, errorType: null, errorMessage: null, rendered: null, fetches: [] };
  const context = vm.createContext(contextGlobals());
  try {
    vm.runInContext(job.code, context, { filename: `${job.id}.js` });
  } catch (error) {
    out.error = `JavaScript did not load: ${error && error.stack}`;
    out.errorKind = 'load';
    return out;
  }
  const entry = context.__hogliteProgram;
  const responses = Array.isArray(job.fetch) ? [...job.fetch] : null;
  const host = {
    print: (line) => out.lines.push(line),
    now: job.now === undefined ? undefined : () => job.now,
    timeoutSeconds: job.timeoutSeconds === undefined ? 5 : job.timeoutSeconds,
  };
  if (job.hostPrint) {
    // A host `print` function (templates): it shadows the built-in and receives JSON arguments.
    host.functions = { print: (...args) => { out.prints.push(args); return null; } };
  }
  if (responses !== null) {
    host.fetch = async (url, options) => {
      out.fetches.push([url, options === undefined ? null : options]);
      return responses.length ? responses.shift() : { status: 200, body: null };
    };
  }
  try {
    const rt = context.__runtime(job.globals || {}, host, entry.asyncNames);
    const value = await entry.program(rt);
    out.result = value === null || value === undefined ? null : context.__printValue(value);
    out.resultJson = value === null || value === undefined ? null : context.__toJson(value);
  } catch (error) {
    out.rendered = context.__renderError(error, entry.source);
    if (error instanceof entry.HogThrow) {
      out.errorKind = 'uncaught';
      // JavaScript's String() of type and message, as PostHog's exception and hoglite's VM give them.
      out.errorType = String(error.value.get('type'));
      out.errorMessage = String(error.value.get('message'));
      out.error = error.message;
    } else if (error instanceof entry.HogRuntimeError) {
      out.errorKind = error.kind;
      out.error = error.message;
    } else if (error && error.name === 'RangeError') {
      out.errorKind = 'limit exceeded';
      out.error = /call stack/i.test(String(error.message)) ? 'Call stack exceeded maximum length of 1000' : String(error.message);
    } else {
      out.errorKind = 'internal';
      out.error = `INTERNAL ERROR: ${error && error.stack ? error.stack : String(error)}`;
    }
  }
  return out;
}

async function serve() {
  // One job per line in, one result per line out, until stdin closes.
  const readline = require('readline');
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let result;
    try {
      const job = JSON.parse(line);
      result = await runJob(job);
    } catch (error) {
      result = { lines: [], error: `INTERNAL ERROR: ${error && error.stack}`, errorKind: 'internal' };
    }
    process.stdout.write(JSON.stringify(result) + '\n');
  }
}

(async () => {
  if (process.argv.includes('--serve')) return serve();
  const jobs = JSON.parse(await readStdin());
  const results = {};
  for (const job of jobs) {
    try {
      results[job.id] = await runJob(job);
    } catch (error) {
      results[job.id] = { lines: [], error: `INTERNAL ERROR: ${error && error.stack}`, errorKind: 'internal' };
    }
  }
  process.stdout.write(JSON.stringify(results));
})();
