// Parley's service worker (issue 14): shows a Web Push as a notification, and opens its room on click.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = typeof data.title === "string" ? data.title : "Parley";
  const options = { body: typeof data.body === "string" ? data.body : "", tag: `room-${data.roomId}`, data: { roomId: data.roomId } };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const roomId = Number(event.notification.data?.roomId);
  const hash = Number.isInteger(roomId) && roomId > 0 ? `#/room/${roomId}` : "#/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (const c of list) {
        if ("focus" in c) {
          c.navigate?.(`/${hash}`);
          return c.focus();
        }
      }
      return self.clients.openWindow(`/${hash}`);
    }),
  );
});
