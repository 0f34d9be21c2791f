import type { ParleyClient } from "@parley/client";

/**
 * Registers the service worker (`/sw.js`: shows a push as a notification,
 * opens the room on click) and subscribes this browser to Web Push with
 * the server's VAPID key (base64url, as the Push API takes it). A browser without a push service (headless
 * Chromium) fails at `subscribe`: notifications then come only while a tab
 * is open.
 */
export async function enablePush(client: ParleyClient): Promise<void> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
  const reg = await navigator.serviceWorker.register("/sw.js");
  const { publicKey } = await client.api.push.publicKey.query();
  const sub = (await reg.pushManager.getSubscription()) ?? (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
  const json = sub.toJSON();
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  if (json.endpoint && p256dh && auth) await client.api.push.subscribe.mutate({ endpoint: json.endpoint, keys: { p256dh, auth } });
}
