import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy to a real server that holds every connection until `open()`:
 * lets a test keep a dependency in `provisioning` for exactly as long as it needs.
 */
export async function startGate(targetPort: number, targetHost = "127.0.0.1"): Promise<{ port: number; open(): void; close(): Promise<void> }> {
  let isOpen = false;
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  const pipe = (socket: Socket) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(upstream);
    socket.pipe(upstream).pipe(socket);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (isOpen) pipe(socket);
    else waiting.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    open() {
      isOpen = true;
      for (const socket of waiting.splice(0)) pipe(socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
