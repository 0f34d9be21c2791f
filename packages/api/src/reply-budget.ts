import { TRPCError } from "@trpc/server";

/**
 * The bytes one batched HTTP response may carry. Every call's output is
 * bounded by its input limits (a page of messages is at most 100), but a
 * batch multiplies them: 200 `messages.list` in one GET built a 322 MB
 * response in memory. Each call of a batch spends its output's JSON size
 * here as it completes; a call that would go over gets PAYLOAD_TOO_LARGE
 * instead of its data, so the response stays within the budget.
 */
export class ReplyBudget {
  private left: number;

  constructor(readonly bytes: number) {
    this.left = bytes;
  }

  spend(data: unknown): void {
    const json = data === undefined ? undefined : JSON.stringify(data);
    const size = json === undefined ? 0 : Buffer.byteLength(json);
    if (size > this.left) {
      throw new TRPCError({
        code: "PAYLOAD_TOO_LARGE",
        message: `response too large: a batch may return at most ${this.bytes} bytes, send fewer calls per request`,
      });
    }
    this.left -= size;
  }
}
