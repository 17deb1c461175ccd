/**
 * Requests gathered into one buffer each (request-reader.ts): the gRPC framing as grpc-js reads
 * it, and, through a real grpc-js server, that the pinned grpc-js takes the gatherer, so that a
 * half-received request holds one buffer of its own size rather than the read buffers it arrived in.
 */
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { readRequestsWhole, RequestGatherer } from '../../src/xds/request-reader.js';

const framed = (message: Buffer): Buffer => {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
};

describe('RequestGatherer', () => {
  const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(70_000, 3), Buffer.from('last')];
  const stream = Buffer.concat(messages.map(framed));

  test('gives back each message with its prefix, however the bytes are split', () => {
    for (const size of [1, 2, 5, 7, 4096, stream.length]) {
      const gatherer = new RequestGatherer(-1);
      const out: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) out.push(...gatherer.write(stream.subarray(at, at + size)));
      expect(out).toEqual(messages.map(framed));
      expect(gatherer.pendingBytes).toBe(0);
    }
  });

  test('a message is its own buffer, never a view of what it arrived in', () => {
    const gatherer = new RequestGatherer(-1);
    const chunks = [stream.subarray(0, 30_000), stream.subarray(30_000)];
    const out = chunks.flatMap((c) => gatherer.write(c));
    expect(out).toHaveLength(messages.length);
    for (const m of out) expect(m.buffer).not.toBe(stream.buffer);
  });

  test('a half-received message holds its own size, and one past the bound is refused as grpc-js refuses it', () => {
    const gatherer = new RequestGatherer(100_000);
    expect(gatherer.write(stream.subarray(0, 20))).toHaveLength(2);
    expect(gatherer.write(stream.subarray(20, 1000))).toHaveLength(0);
    expect(gatherer.pendingBytes).toBe(70_005);
    expect(() => new RequestGatherer(10).write(framed(Buffer.alloc(11)))).toThrow(
      'Received message larger than max (11 vs 10)',
    );
  });
});

test('the pinned grpc-js takes the gatherer: a half-received request holds one buffer of its size', async () => {
  const PATH = '/portico.test.Requests/Chat';
  const definition: grpc.ServiceDefinition = {
    Chat: {
      path: PATH,
      requestStream: true,
      responseStream: true,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    } as grpc.MethodDefinition<Buffer, Buffer>,
  };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  let installed: boolean | undefined;
  let serverCall: object | undefined;
  const received: Buffer[] = [];
  const ended = new Promise<void>((resolve) => {
    server.addService(definition, {
      Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        installed = readRequestsWhole(call);
        serverCall = call;
        call.on('data', (b: Buffer) => received.push(Buffer.from(b)));
        call.on('end', () => {
          call.end();
          resolve();
        });
      },
    });
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const request = session.request({
      ':method': 'POST',
      ':path': PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    request.on('error', () => {});
    request.resume();
    const message = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < message.length; i++) message[i] = i % 251;
    const bytes = framed(message);
    const half = 300_000;
    request.write(bytes.subarray(0, half));
    // Wait (no time asserted) until the server has read the half.
    const decoder = (): { pendingBytes?: number } | undefined =>
      (serverCall as { call?: { decoder?: { pendingBytes?: number } } } | undefined)?.call?.decoder;
    for (let i = 0; i < 200 && decoder()?.pendingBytes === undefined; i++) await new Promise((r) => setTimeout(r, 25));
    expect(installed).toBe(true);
    expect(decoder()).toBeInstanceOf(RequestGatherer);
    for (let i = 0; i < 200 && decoder()!.pendingBytes === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(decoder()!.pendingBytes).toBe(bytes.length);
    request.end(bytes.subarray(half));
    await ended;
    expect(received).toHaveLength(1);
    expect(received[0]!.equals(message)).toBe(true);
  } finally {
    session.destroy();
    server.forceShutdown();
  }
}, 30_000);
