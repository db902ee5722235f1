#!/usr/bin/env node
// Times PostHog's TypeScript Hog VM (@posthog/hogvm) on precompiled bytecode, inside one process.
//
// Usage: node oracle_bench.js <dir containing node_modules/@posthog/hogvm>   (jobs on stdin)
// Input: a JSON array of jobs `[{name, bytecode, warmup, repeats}]`.
// Output: one JSON object `{name: {samples: [seconds...], cpu_samples: [seconds...], result, ops, error}}`.
// Each sample is one `exec` call, timed with process.hrtime; `warmup` untimed calls come first so the
// JIT has compiled the VM's hot paths, as the Python side warms up too. `print` writes with
// console.log in the oracle: it is swapped for a no-op while timing (hoglite collects printed lines
// in memory, which costs about the same). CPU time (process.cpuUsage) is that of the whole process,
// so it includes V8's background compiler and GC threads: an upper bound for the VM's own cost.
'use strict'

const path = require('path')
const crypto = require('crypto')

const root = process.argv[2]
const hogvm = require(path.join(root, 'node_modules', '@posthog', 'hogvm'))

const options = {
    timeout: 3600 * 1000, // no timeout: the benchmark measures, the sandbox limits are tested elsewhere
    external: { crypto },
}

function run(bytecode) {
    return hogvm.exec(bytecode, options)
}

function main(input) {
    const jobs = JSON.parse(input)
    const out = {}
    const log = console.log
    for (const job of jobs) {
        const entry = { samples: [], cpu_samples: [], result: null, ops: null, error: null }
        console.log = () => {}
        try {
            let last = null
            for (let i = 0; i < job.warmup; i++) last = run(job.bytecode)
            for (let i = 0; i < job.repeats; i++) {
                const started = process.hrtime.bigint()
                const cpuStarted = process.cpuUsage()
                last = run(job.bytecode)
                const cpu = process.cpuUsage(cpuStarted)
                entry.samples.push(Number(process.hrtime.bigint() - started) / 1e9)
                entry.cpu_samples.push((cpu.user + cpu.system) / 1e6)
            }
            entry.result = last.result === undefined ? null : last.result
            entry.ops = last.state ? last.state.ops : null
        } catch (error) {
            entry.error = String(error && error.message ? error.message : error)
        } finally {
            console.log = log
        }
        out[job.name] = entry
    }
    process.stdout.write(JSON.stringify(out))
}

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => (input += chunk))
process.stdin.on('end', () => main(input))
