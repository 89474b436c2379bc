// Option parsers shared by the command-line tools under test/ and bench/
// (the fuzzer, the soak), so that they reject bad arguments alike.

import { InvalidArgumentError } from 'commander';

/** A commander argument parser for a whole number in [min, max], written in plain digits. */
export function wholeNumber(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return value;
  };
}
