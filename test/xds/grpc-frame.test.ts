/**
 * Frames written as they are (grpc-frame.ts), through a real grpc-js server and client: the
 * pinned grpc-js must take the frame without copying it, and the bytes that arrive must be the
 * message either way.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcFrame, sendFramesAsIs, serializeFrame } from '../../src/xds/grpc-frame.js';

const PATH = '/portico.test.Frames/Chat';

const definition: grpc.ServiceDefinition = {
  Chat: {
    path: PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: serializeFrame,
    responseDeserialize: (b: Buffer) => b,
  } as unknown as grpc.MethodDefinition<Buffer, GrpcFrame>,
};

async function roundTrip(asIs: boolean, messages: GrpcFrame[]): Promise<{ received: Buffer[]; installed: boolean }> {
  const server = new grpc.Server();
  let installed = false;
  server.addService(definition, {
    Chat: (call: grpc.ServerDuplexStream<Buffer, GrpcFrame>) => {
      if (asIs) {
        installed = sendFramesAsIs(call);
        // The frame itself goes to the HTTP/2 stream: no copy.
        const inner = (call as unknown as { call: { serializeMessage(v: unknown): Buffer } }).call;
        if (installed) expect(inner.serializeMessage(messages[0])).toBe(messages[0]!.frame);
      }
      for (const m of messages) call.write(m);
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const Client = grpc.makeGenericClientConstructor(definition, 'Frames');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const received = await new Promise<Buffer[]>((resolve, reject) => {
      const out: Buffer[] = [];
      const call = (client as unknown as { Chat(): grpc.ClientDuplexStream<Buffer, Buffer> }).Chat();
      call.on('data', (b: Buffer) => out.push(Buffer.from(b)));
      call.on('error', reject);
      call.on('end', () => resolve(out));
      call.end();
    });
    return { received, installed };
  } finally {
    client.close();
    server.forceShutdown();
  }
}

describe('GrpcFrame', () => {
  test('holds the gRPC prefix and the concatenated parts', () => {
    const frame = GrpcFrame.of([Buffer.from('ab'), new Uint8Array([0x63]), Buffer.alloc(0)]);
    expect([...frame.frame]).toEqual([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    expect(frame.message.toString()).toBe('abc');
    // The message is a view of the frame, not a copy.
    expect(frame.message.buffer).toBe(frame.frame.buffer);
  });

  const messages = (): GrpcFrame[] => [
    GrpcFrame.of([Buffer.from('first')]),
    GrpcFrame.of([Buffer.alloc(200_000, 7), Buffer.from('tail')]),
    GrpcFrame.of([]),
  ];

  test('the pinned grpc-js writes a frame as it is, and the client reads the messages', async () => {
    const sent = messages();
    const { received, installed } = await roundTrip(true, sent);
    expect(installed).toBe(true);
    expect(received).toEqual(sent.map((m) => m.message));
  });

  test('without it grpc-js frames the message itself: the same bytes arrive', async () => {
    const sent = messages();
    const { received } = await roundTrip(false, sent);
    expect(received).toEqual(sent.map((m) => m.message));
  });

  test('a call of another shape is left alone', () => {
    expect(sendFramesAsIs({})).toBe(false);
    expect(sendFramesAsIs({ call: { serializeMessage: (a: unknown, b: unknown) => [a, b] } })).toBe(false);
  });
});
