#!/usr/bin/env node
// Batch runner for the behavioural oracle, PostHog's TypeScript Hog VM (@posthog/hogvm).
//
// Input (stdin): a JSON array of jobs `[{id, bytecode, globals?}]`; `bytecode` is a bare `_H`/`_h` array.
// Output (stdout): one JSON object per job and per line, in input order:
//   {id, stdout, result, error, error_type, error_message, finished}
//   - stdout: everything the job printed, one "\n"-terminated line per console.log call;
//   - result: the returned value in Hog repr format (the VM's own printHogValue), or null;
//   - error: the message of any exception (for an uncaught Hog throw: `Type('message')`), else null;
//   - error_type / error_message: set for an uncaught Hog throw only (JavaScript's String() of each).
//
// All jobs run in ONE node process because node start-up dominates the cost of a small program.
// The oracle's `print` writes with console.log; we swap console.log for a per-job collector that
// formats its arguments exactly as console.log would (util.format), so semantics are unchanged.
'use strict'

const util = require('util')
const crypto = require('crypto')
const hogvm = require('@posthog/hogvm')

// The npm `re2` package needs a native build, which we cannot do here; JavaScript RegExp agrees with
// RE2 on the patterns the conformance suite uses. Hog marks case-insensitive patterns with `(?i)`.
function toRegExp(pattern) {
    let source = String(pattern)
    let flags = ''
    if (source.startsWith('(?i)')) {
        source = source.slice(4)
        flags = 'i'
    }
    return new RegExp(source, flags)
}

const external = {
    regex: {
        match: (pattern, value) => toRegExp(pattern).test(value),
        // first capture group if the pattern has one, otherwise the whole match; '' when nothing matches
        extract: (pattern, value) => {
            const found = toRegExp(pattern).exec(value)
            if (!found) return ''
            return found.length > 1 ? found[1] ?? '' : found[0]
        },
    },
    crypto,
}

function errorFields(error) {
    if (error && error.name === 'UncaughtHogVMException') {
        // JavaScript's String() of the type (a Hog error's type need not be a string: `true`, a list)
        return { error: error.toString(), error_type: String(error.type), error_message: error.message }
    }
    const message = error && error.message !== undefined ? error.message : String(error)
    return { error: message, error_type: null, error_message: null }
}

async function runJob(job) {
    const lines = []
    const originalLog = console.log
    console.log = (...args) => {
        lines.push(util.format(...args))
    }
    const out = { id: job.id, stdout: '', result: null, error: null, error_type: null, error_message: null, finished: false }
    try {
        const options = { external, globals: job.globals || {} }
        // execAsync resumes through the oracle's async built-ins (`sleep`); anything else that pauses
        // (a host async function such as `fetch`) fails with the oracle's own message.
        const response = await hogvm.execAsync(job.bytecode, options)
        out.finished = !!response.finished
        if (response.result !== undefined && response.result !== null) {
            out.result = hogvm.printHogValue(response.result)
        }
    } catch (error) {
        Object.assign(out, errorFields(error))
    } finally {
        console.log = originalLog
    }
    out.stdout = lines.map((line) => line + '\n').join('')
    return out
}

async function main() {
    const chunks = []
    for await (const chunk of process.stdin) chunks.push(chunk)
    const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]')
    for (const job of jobs) {
        const result = await runJob(job)
        process.stdout.write(JSON.stringify(result) + '\n')
    }
}

main().catch((error) => {
    process.stderr.write(`oracle runner failed: ${error && error.stack ? error.stack : error}\n`)
    process.exit(2)
})
