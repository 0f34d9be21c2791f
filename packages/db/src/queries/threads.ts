import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

type Db = Kysely<Database>;

/** How many participants a thread summary names. */
export const PARTICIPANTS_SHOWN = 10;

/** The first participants of each thread rooted at `rootIds`, in order of their first reply. */
export async function threadParticipants(db: Db, rootIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (rootIds.length === 0) return out;
  const ranked = db
    .selectFrom("thread_participants")
    .select(["root_id", "user_id", "first_at"])
    .select((eb) => eb.fn.agg<number>("row_number").over((o) => o.partitionBy("root_id").orderBy("first_at").orderBy("user_id")).as("rn"))
    .where("root_id", "in", rootIds);
  const rows = await db.selectFrom(ranked.as("p")).selectAll().where("p.rn", "<=", PARTICIPANTS_SHOWN).orderBy("p.root_id").orderBy("p.rn").execute();
  for (const r of rows) {
    const list = out.get(Number(r.root_id)) ?? [];
    list.push(Number(r.user_id));
    out.set(Number(r.root_id), list);
  }
  return out;
}
