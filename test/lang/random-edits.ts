// One random edit of Kern source for the incremental-analysis tests: insert a fragment, delete a short run,
// type an identifier or digit character, or overwrite one character.
export function randomEdit(text: string, random: () => number, fragments: readonly string[], maxDelete: number): string {
  const pick = (n: number): number => Math.floor(random() * n);
  const at = pick(text.length + 1);
  switch (pick(4)) {
    case 0:
      return text.slice(0, at) + fragments[pick(fragments.length)]! + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + pick(maxDelete)));
    case 2:
      return text.slice(0, at) + 'abcxyz0123456789_'[pick(17)]! + text.slice(at);
    default:
      return text.slice(0, at) + 'q' + text.slice(Math.min(text.length, at + 1));
  }
}
