import type { Socket } from "./connections.ts";

/**
 * Which connection previews which public room (one room per connection),
 * both ways round. A connection's watch ends with another watch, `null`,
 * the room's deletion or turning private, or the socket closing.
 */
export class Watches {
  private readonly byRoom = new Map<number, Set<Socket>>();
  private readonly bySocket = new Map<Socket, number>();
  /** Sockets already listened to for close: one listener each, however often they watch. */
  private readonly hooked = new WeakSet<Socket>();

  set(socket: Socket, roomId: number | null): void {
    const previous = this.bySocket.get(socket);
    if (previous !== undefined) {
      const sockets = this.byRoom.get(previous);
      sockets?.delete(socket);
      if (sockets?.size === 0) this.byRoom.delete(previous);
      this.bySocket.delete(socket);
    }
    if (roomId === null) return;
    if (!this.hooked.has(socket)) {
      this.hooked.add(socket);
      socket.once("close", () => this.set(socket, null));
    }
    this.bySocket.set(socket, roomId);
    const sockets = this.byRoom.get(roomId) ?? new Set<Socket>();
    sockets.add(socket);
    this.byRoom.set(roomId, sockets);
  }

  of(roomId: number): ReadonlySet<Socket> | undefined {
    return this.byRoom.get(roomId);
  }

  /** The room was deleted or turned private: every watch of it ends. */
  roomGone(roomId: number): void {
    for (const socket of this.byRoom.get(roomId) ?? []) this.bySocket.delete(socket);
    this.byRoom.delete(roomId);
  }
}
