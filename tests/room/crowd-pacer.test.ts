import { describe, expect, it } from 'vitest';
import type { AwarenessEntry } from '../../lib/protocol/awareness';
import { CROWD_DELIVERIES_PER_SECOND, CrowdPacer } from '../../sync-server/room/crowd-pacer';
import { ManualScheduler } from '../helpers/manual-scheduler';

const moved = (clientId: number, clock: number): AwarenessEntry => ({ clientId, clock, state: `{"cursor":${clock}}` });

/** A pacer for a room so big that its budget is two presences a second. */
function pacerAtTwoPerSecond() {
  const scheduler = new ManualScheduler();
  const relayed: Array<{ entries: AwarenessEntry[]; origin: unknown }> = [];
  const pacer = new CrowdPacer(() => CROWD_DELIVERIES_PER_SECOND / 2, scheduler, (entries, origin) => relayed.push({ entries, origin }));
  const sent = () => relayed.flatMap(({ entries }) => entries.map((entry) => `${entry.clientId}@${entry.clock}`));
  return { scheduler, pacer, relayed, sent };
}

describe("a crowd's budget for the presence of people who do not edit", () => {
  it('relays a second’s worth at once and the rest as the budget refills, oldest first, with who sent it', () => {
    const { scheduler, pacer, relayed, sent } = pacerAtTwoPerSecond();
    pacer.offer([moved(1, 1), moved(2, 1)], 'a');
    pacer.offer([moved(3, 1), moved(4, 1)], 'b');
    expect(sent()).toEqual(['1@1', '2@1']);
    expect(relayed[0]!.origin).toBe('a');
    scheduler.advance(500);
    expect(sent()).toEqual(['1@1', '2@1', '3@1']);
    expect(relayed.at(-1)!.origin).toBe('b');
    scheduler.advance(500);
    expect(sent()).toEqual(['1@1', '2@1', '3@1', '4@1']);
    scheduler.advance(5_000);
    expect(sent()).toHaveLength(4);
  });

  it('keeps the latest state of each person, and sends someone who moves again to the back', () => {
    const { scheduler, pacer, sent } = pacerAtTwoPerSecond();
    pacer.offer([moved(9, 1), moved(8, 1)], 'x'); // the second's worth
    pacer.offer([moved(1, 1), moved(2, 1), moved(3, 1)], 'x');
    pacer.offer([moved(1, 2)], 'x'); // 1 moved again: now after 2 and 3
    scheduler.advance(1_000);
    expect(sent()).toEqual(['9@1', '8@1', '2@1', '3@1']);
    scheduler.advance(500);
    expect(sent()).toEqual(['9@1', '8@1', '2@1', '3@1', '1@2']);
  });

  it('drops what waits for someone who left, and lets everything go once the room is not a crowd', () => {
    const { scheduler, pacer, sent } = pacerAtTwoPerSecond();
    pacer.offer([moved(1, 1), moved(2, 1), moved(3, 1), moved(4, 1), moved(5, 1)], 'x');
    pacer.forget(3);
    pacer.releaseAll();
    expect(sent()).toEqual(['1@1', '2@1', '4@1', '5@1']);
  });

  it('relays nothing more once stopped (the room is disposed)', () => {
    const { scheduler, pacer, sent } = pacerAtTwoPerSecond();
    pacer.offer([moved(1, 1), moved(2, 1), moved(3, 1)], 'x');
    pacer.stop();
    scheduler.advance(10_000);
    expect(sent()).toEqual(['1@1', '2@1']);
  });
});
