// Money of many campaigns is only ever added up within one currency: the
// screen shows one total per currency, never a sum across currencies.

/** An exact amount: micros as a decimal string (an int64), and its currency. */
export interface MoneyLike {
  micros: string
  currency: string
}

/** Sums of spend by currency, in the order currencies first appear; exact (BigInt micros). */
export function spendByCurrency(amounts: readonly MoneyLike[]): { currency: string; micros: bigint }[] {
  const sums = new Map<string, bigint>()
  for (const a of amounts) sums.set(a.currency, (sums.get(a.currency) ?? 0n) + BigInt(a.micros))
  return [...sums].map(([currency, micros]) => ({ currency, micros }))
}

/** Micros as a number of currency units (for display only). */
export function microsToAmount(micros: bigint): number {
  return Number(micros) / 1_000_000
}
