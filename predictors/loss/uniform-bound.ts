/**
 * A loss above uniform guessing over the vocabulary (ln V nats/token) is one no trained model reaches: the law is
 * extrapolated far beyond its data (a 4,096-token vocabulary puts uniform guessing at 8.3 nats).
 */
export function uniformBoundWarning(lawId: string, loss: number, vocabSize: number): string | null {
  const uniform = Math.log(vocabSize);
  if (!Number.isFinite(loss) || loss <= uniform) return null;
  return `${lawId}: predicted loss ${loss.toFixed(2)} nats/token is above uniform guessing over ${vocabSize} tokens (ln ${vocabSize} = ${uniform.toFixed(2)})`;
}
