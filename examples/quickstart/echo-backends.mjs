#!/usr/bin/env node
// Echo backends for the quickstart: small HTTP servers on 127.0.0.1 that answer every request with
// JSON naming the backend and echoing the method, path and headers, so curl shows where Envoy
// routed a request. Usage: node examples/quickstart/echo-backends.mjs [name=port ...]
import { createServer } from 'node:http';
import console from 'node:console';
import process from 'node:process';

const DEFAULT_BACKENDS = ['web-v1=9001', 'web-v2=9002', 'canary=9003', 'api=9004'];
const specs = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_BACKENDS;

const servers = specs.map((spec) => {
  const [name, portText] = spec.split('=');
  const port = Number(portText);
  if (!name || !Number.isInteger(port)) {
    console.error(`echo-backends: expected name=port, got "${spec}"`);
    process.exit(2);
  }
  const server = createServer((req, res) => {
    const body = JSON.stringify({ backend: name, method: req.method, path: req.url, headers: req.headers }, null, 2);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${body}\n`);
  });
  server.on('error', (err) => {
    console.error(`echo-backends: ${name} on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => console.error(`echo backend ${name} on http://127.0.0.1:${port}`));
  return server;
});

const stop = () => {
  for (const server of servers) server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
