import { createParleyClient } from "@parley/client";

// In Node the client uses `ws`; in a browser, the built-in WebSocket.
const client = createParleyClient({
  url: process.env.PARLEY_URL ?? "http://localhost:8001",
  credentials: { username: "ada", password: "correct horse battery" },
});
await client.ready;

const room = (await client.api.rooms.list.query()).find((r) => r.isMember);
if (!room) throw new Error("join a room first");

// Every message once, in order, across reconnects, server restarts and token refreshes.
client.events.on("message.created", ({ message: m }) => console.log(`${m.sender?.username}: ${m.content}`), { roomId: room.id });

// Queued at once, retried with the same clientId until stored: never lost, never doubled.
const sent = await client.send(room.id, `hello from ${client.user?.username}`);
console.log(`stored as #${sent.id}`);
