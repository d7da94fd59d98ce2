import { describe, expect, it } from 'vitest';
import { extendAddressBackward, extendAddressForward } from './en-address-blocks.ts';

/** The block from the street line `street` of `text` widened both ways. */
function block(text: string, street: string): string {
  const s = text.indexOf(street);
  return text.slice(
    extendAddressBackward(text, s),
    extendAddressForward(text, s + street.length).end,
  );
}

describe('address blocks', () => {
  it.each([
    [
      'Kauppakatu 17\n Suite 12\n Vaasa\n Finland 65100\nthanks',
      'Kauppakatu 17',
      'Kauppakatu 17\n Suite 12\n Vaasa\n Finland 65100',
    ],
    ['12 Elm Road, Springfield, IL 62704', '12 Elm Road', '12 Elm Road, Springfield, IL 62704'],
    [
      '> Kauppakatu 17\n> Apt. 4\n> VAASA\n> Finland 65100',
      'Kauppakatu 17',
      'Kauppakatu 17\n> Apt. 4\n> VAASA\n> Finland 65100',
    ],
    ['Tallgatan 9 Apt. 2\nUppsala, 752 36', 'Tallgatan 9', 'Tallgatan 9 Apt. 2\nUppsala, 752 36'],
    ['Rua Nova 5\nporto, ab 4000-123', 'Rua Nova 5', 'Rua Nova 5\nporto, ab 4000-123'],
    ['Send it to 88 41 Birch Lane, Leeds.', '41 Birch Lane', '88 41 Birch Lane, Leeds'],
  ])('widens %j over its fields', (text, street, want) => {
    expect(block(text, street)).toBe(want);
  });
  it.each([
    // A sentence after the street is no field.
    ['12 Elm Road. Patient was seen today', '12 Elm Road'],
    // A lower-case field without a postal code after it is dropped.
    ['Kauppakatu 17\nhome visit', 'Kauppakatu 17'],
    // A number glued to a fraction before it is no house number.
    ['dose 1/2 41 Birch Lane', '41 Birch Lane'],
    // Town lines without a unit, region or postal code after them may be the next sentence.
    ['12 Elm Road\nAfebrile\nStable', '12 Elm Road'],
    // Words going on past four, or a clause, end the block.
    ['12 Elm Road, he said that the dog was ill', '12 Elm Road'],
  ])('keeps %j to its street line', (text, street) => {
    expect(block(text, street)).toBe(street);
  });
});
