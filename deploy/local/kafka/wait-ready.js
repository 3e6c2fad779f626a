#!/usr/bin/env node
// Waits until a Kafka broker answers a kafkajs admin `listTopics`, the same client the services use.
//
//   node deploy/local/kafka/wait-ready.js --brokers 127.0.0.1:9092 [--timeout 90] [--pid 1234] [--log broker.log]
//
// With --pid it fails at once when that process exits; on failure it prints the tail of --log.
'use strict';

const fs = require('node:fs');
const { Kafka, logLevel } = require('kafkajs');

function parseArgs(argv) {
  const args = { brokers: '127.0.0.1:9092', timeout: 90, pid: undefined, log: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in args)) throw new Error(`unknown option ${argv[i]}`);
    args[name] = argv[i + 1];
  }
  args.timeout = Number(args.timeout);
  if (!Number.isFinite(args.timeout) || args.timeout <= 0)
    throw new Error('--timeout must be a positive number of seconds');
  return args;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function tail(file, lines = 40) {
  if (!file) return '';
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return `\n--- last ${Math.min(lines, text.length)} lines of ${file} ---\n${text.slice(-lines).join('\n')}\n---`;
  } catch {
    return `\n(no broker log at ${file})`;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const pid = args.pid === undefined ? undefined : Number(args.pid);
  const deadline = Date.now() + args.timeout * 1000;
  const kafka = new Kafka({
    clientId: 'stocksync-wait-ready',
    brokers: args.brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });

  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    if (pid !== undefined && !alive(pid)) {
      console.error(`kafka broker (pid ${pid}) exited before it was ready${tail(args.log)}`);
      process.exit(1);
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      return;
    } catch (err) {
      lastError = err && err.message ? err.message : String(err);
      await admin.disconnect().catch(() => undefined);
      await sleep(250);
    }
  }
  console.error(
    `kafka broker at ${args.brokers} not ready after ${args.timeout} s (last error: ${lastError})${tail(args.log)}`,
  );
  process.exit(1);
}

main().catch((err) => {
  console.error(`wait-ready: ${err && err.message ? err.message : err}`);
  process.exit(2);
});
