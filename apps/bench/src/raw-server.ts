import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

/**
 * The reference limit: a bare `ws` broadcast server with no auth, no
 * database and no tRPC machinery. It speaks just enough of the tRPC
 * WebSocket protocol that the same load generator drives it unchanged
 * (connection params carry `room:<id>` instead of a token), and it
 * serialises each message once for all the room's sockets.
 */
const rooms = new Map<number, Set<WebSocket>>();
let position = 0;

const http = createServer((req, res) => {
  res.writeHead(req.url === "/readyz" ? 200 : 404).end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
http.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws)));

interface Incoming {
  id?: number | string | null;
  method?: string;
  data?: { token?: string };
  params?: { path?: string; input?: { roomId?: number; content?: string; clientId?: string } };
}

wss.on("connection", (ws: WebSocket) => {
  let room: number | null = null;
  let userId = 0;
  ws.on("message", (raw) => {
    const s = raw.toString();
    if (s === "PONG") return;
    const msg = JSON.parse(s) as Incoming;
    if (msg.method === "connectionParams") {
      const m = /^room:(\d+):(\d+)$/.exec(msg.data?.token ?? "");
      room = m ? Number(m[1]) : 0;
      userId = m ? Number(m[2]) : 0;
      return;
    }
    if (msg.method === "subscription") {
      if (room !== null) {
        const set = rooms.get(room) ?? new Set<WebSocket>();
        set.add(ws);
        rooms.set(room, set);
      }
      ws.send(`{"id":${JSON.stringify(msg.id)},"result":{"type":"started"}}`);
      ws.send(
        `{"id":${JSON.stringify(msg.id)},"result":{"type":"data","data":{"id":"${position}","data":{"type":"ready","id":${position}}},"id":"${position}"}}`,
      );
      return;
    }
    if (msg.method === "mutation" && msg.params?.path === "messages.send") {
      const input = msg.params.input ?? {};
      const roomId = input.roomId ?? 0;
      const id = ++position;
      const message = {
        id,
        roomId,
        kind: "text",
        content: input.content ?? "",
        sender: { id: userId, username: `u${userId}` },
        clientId: input.clientId ?? null,
        createdAt: Date.now(),
        editedAt: null,
      };
      const event = { type: "message.created", roomId, message, id };
      const frame = JSON.stringify({ id: 1, result: { type: "data", data: { id: String(id), data: event }, id: String(id) } });
      for (const member of rooms.get(roomId) ?? []) member.send(frame);
      ws.send(JSON.stringify({ id: msg.id, result: { type: "data", data: message } }));
      return;
    }
    ws.send(JSON.stringify({ id: msg.id ?? null, result: { type: "data", data: null } }));
  });
  ws.on("close", () => {
    if (room !== null) rooms.get(room)?.delete(ws);
  });
  ws.on("error", () => ws.terminate());
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
