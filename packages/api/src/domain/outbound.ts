import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { DomainError } from "../errors.ts";

/**
 * The SSRF filter for URLs a client hands the server to call (push
 * endpoints): HTTPS only, and never a private, loopback, link-local or
 * otherwise non-public address, unless the host is in `allowHosts`
 * (`PUSH_ALLOW_HOSTS`), which also permits plain HTTP for it. Checked twice:
 * on the URL when it is stored (`checkOutboundUrl`), and on every address
 * the name resolves to when it is called (`guardedLookup`, passed to
 * `http.request`), so a name that later resolves inward (DNS rebinding) is
 * refused at connect time. Kept in one small module so other outgoing calls
 * (webhooks) can share it.
 */
export interface OutboundPolicy {
  /** Lower-case host names or IP literals that may be private and plain HTTP. */
  allowHosts: ReadonlySet<string>;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** An address no outgoing call may reach by default. (IPv4-mapped IPv6 is judged as its IPv4 address.) */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d, or in hex ::ffff:7f00:1) is judged as the IPv4 address it carries.
    // (Not as a subnet in the list: BlockList would then match every IPv4 address against it.)
    const mapped = mappedIpv4(address);
    if (mapped) return blocked.check(mapped, "ipv4");
    return blocked.check(address, "ipv6");
  }
  return true;
}

function mappedIpv4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return null;
  const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "").toLowerCase();

export function parsePolicy(allowHosts: readonly string[]): OutboundPolicy {
  return { allowHosts: new Set(allowHosts.map((h) => h.trim().toLowerCase()).filter(Boolean)) };
}

/** The URL, if the policy lets the server call it; BAD_REQUEST otherwise. */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError("BAD_REQUEST", "Not a URL");
  }
  const host = hostOf(url);
  const allowed = policy.allowHosts.has(host);
  if (url.username || url.password) throw new DomainError("BAD_REQUEST", "The URL may not carry credentials");
  if (url.protocol !== "https:" && !(allowed && url.protocol === "http:")) throw new DomainError("BAD_REQUEST", "The URL must be HTTPS");
  if (!allowed && (host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isNonPublicAddress(host)))) {
    throw new DomainError("BAD_REQUEST", "The URL points at a private address");
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for `http.request` that refuses non-public addresses for hosts the policy does not allow. */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const allowed = policy.allowHosts.has(hostname.toLowerCase());
      const bad = allowed ? undefined : list.find((a) => isNonPublicAddress(a.address));
      if (bad || list.length === 0) {
        const refused: NodeJS.ErrnoException = new Error(`refusing to connect to ${hostname} (${bad?.address ?? "no address"})`);
        refused.code = "EOUTBOUNDBLOCKED";
        return callback(refused, []);
      }
      if ("all" in options && options.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
