import type { AppRouter, RegisterInput } from "@parley/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AuthResult } from "./types.ts";

/** http://host:8001/ → http://host:8001 */
export const baseUrl = (url: string): string => url.replace(/\/+$/, "");

/** http(s)://host/… → ws(s)://host/ws */
export function wsUrl(url: string): string {
  const u = new URL(baseUrl(url));
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/ws`;
  u.search = "";
  u.hash = "";
  return u.toString();
}

/** A typed client over plain HTTP (/trpc), for calls made before there is a socket. */
export function httpClient(url: string, accessToken?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl(url)}/trpc`,
        headers: () => (accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      }),
    ],
  });
}

/** Creates an account and signs in. Errors are `TRPCClientError`s (e.g. `data.code === "CONFLICT"`). */
export function register(url: string, input: RegisterInput): Promise<AuthResult> {
  return httpClient(url).auth.register.mutate(input);
}

/** Signs in with a username (or e-mail) and password. */
export function login(url: string, input: { username: string; password: string }): Promise<AuthResult> {
  return httpClient(url).auth.login.mutate(input);
}

/** Rotates a refresh token over HTTP. Each refresh token works once. */
export function refreshTokens(url: string, refreshToken: string): Promise<AuthResult> {
  return httpClient(url).auth.refresh.mutate({ refreshToken });
}
