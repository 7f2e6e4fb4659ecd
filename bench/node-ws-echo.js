// Node's `ws` echo for the side-by-side benchmark (installed by bench/run.sh into target/bench).
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2] || 8000);
const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws/echo', maxPayload: 1 << 20, perMessageDeflate: false });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.on('listening', () => console.log('node ws echo listening on ' + port));
