// A free TCP port on 127.0.0.1 for a server that must listen on a known port (Node-RED, an embedded broker
// node, Mosquitto): the port is released before it is returned, so a test can name it in its config.
import { createServer, type AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
