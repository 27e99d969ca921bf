import { Deadline, PollSchedule, jitteredDelay, sleep } from '../../../src/util/backoff';

describe('backoff', () => {
  test('poll intervals grow by the factor up to the cap', () => {
    const schedule = new PollSchedule(50, 200, 2);
    expect([schedule.next(), schedule.next(), schedule.next(), schedule.next(), schedule.next()]).toEqual([50, 100, 200, 200, 200]);
  });

  test('retry delays: equal jitter, exponential, capped', () => {
    expect(jitteredDelay(0, 100, 5000, () => 0)).toBe(50);
    expect(jitteredDelay(0, 100, 5000, () => 1)).toBe(100);
    expect(jitteredDelay(3, 100, 5000, () => 0.5)).toBe(600);
    expect(jitteredDelay(20, 100, 5000, () => 1)).toBe(5000);
  });

  test('sleep rejects with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    await expect(sleep(10, controller.signal)).rejects.toThrow('gone');
  });

  test('a deadline knows what remains', () => {
    const deadline = new Deadline(1000, 0);
    expect(deadline.remaining(400)).toBe(600);
    expect(deadline.expired(999)).toBe(false);
    expect(deadline.expired(1000)).toBe(true);
    expect(deadline.remaining(2000)).toBe(0);
  });
});
