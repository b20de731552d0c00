import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** Serves zips on 127.0.0.1 by path, for `code_type: obs` and `depend_type: obs` (the gateway downloads the URL). */
export async function startFileServer(files: Map<string, Buffer>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const file = files.get(req.url ?? '');
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': file.length }).end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
