// Realistic user payloads: names from many cultures (non-ASCII included), IANA zones from
// k6/lib/zones.json, real past dates (Feb 29 included), optional anniversary and location.

export const ZONES = JSON.parse(open('./zones.json'));

const FIRST = [
  'Ada', 'Grace', 'Alan', 'Linus', 'José', 'María', 'Zoë', 'Chloé', 'Søren', 'Björn', 'Łukasz',
  'Dvořák', 'Aoife', 'Siobhán', 'Nguyễn', 'Thảo', 'Arjun', 'Priya', 'Aarav', 'Fatima', 'Omar',
  'Yusuf', 'Ayşe', 'Mehmet', 'Olumide', 'Chiamaka', 'Kwame', 'Amara', 'Hiroshi', 'Yuki', 'Min-jun',
  'Seo-yeon', 'Wei', 'Xiu', 'Ana', 'João', 'Mateo', 'Valentina', 'Liam', 'Olivia', 'Noah', 'Emma',
  'Dmitri', 'Anastasia', 'Kai', 'Leilani', 'Tāne', 'Aroha', 'Mary-Jane', "D'Arcy",
];
const LAST = [
  'Lovelace', 'Hopper', 'Turing', 'Torvalds', 'García', 'Fernández', 'Müller', 'Østergaard',
  'Nowak', 'Kowalczyk', "O'Brien", 'Ní Bhriain', 'Trần', 'Phạm', 'Sharma', 'Iyer', 'Haddad',
  'Al-Farsi', 'Yılmaz', 'Öztürk', 'Adeyemi', 'Okafor', 'Mensah', 'Tanaka', 'Sato', 'Kim', 'Park',
  'Wang', 'Li', 'Silva', 'Santos', 'Rossi', 'Bianchi', 'Dubois', 'Lefèvre', 'Smith', 'Johnson',
  'Ivanov', 'Petrova', 'Kealoha', 'Ngata', 'van der Berg', 'de la Cruz', 'Smith-Jones',
];
const PLACES = [
  'Lisbon', 'São Paulo', 'Zürich', 'Reykjavík', 'Kraków', 'Hà Nội', 'Bengaluru', 'Lagos',
  'Nairobi', 'Tōkyō', 'Seoul', 'Auckland', 'Honolulu', 'Montréal', 'Ciudad de México',
];
const LEAP_YEARS = [1952, 1956, 1960, 1964, 1968, 1972, 1976, 1980, 1984, 1988, 1992, 1996, 2000, 2004];

export function any(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** A real past date; about one in 200 is a Feb 29. */
export function randomDate(fromYear = 1940, toYear = 2008) {
  if (Math.random() < 0.005) return `${any(LEAP_YEARS)}-02-29`;
  const year = fromYear + Math.floor(Math.random() * (toYear - fromYear + 1));
  const start = Date.UTC(year, 0, 1);
  const day = new Date(start + Math.floor(Math.random() * 365) * 86400000);
  return `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
}

/** `YYYY-MM-DD` with the month and day of `date` (YYYY-MM-DD) in a plausible past year. */
export function sameDay(date, fromYear = 1950, toYear = 2005) {
  const md = date.slice(5);
  const year = md === '02-29'
    ? any(LEAP_YEARS)
    : fromYear + Math.floor(Math.random() * (toYear - fromYear + 1));
  return `${year}-${md}`;
}

/** The calendar date `days` after `date` (both YYYY-MM-DD). */
export function addDays(date, days) {
  const d = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** A full user body; `overrides` replaces any field. `email` must be unique per live user. */
export function userBody(email, overrides = {}) {
  const body = {
    firstName: any(FIRST),
    lastName: any(LAST),
    email,
    timezone: any(ZONES),
    birthday: randomDate(),
  };
  if (Math.random() < 0.35) body.anniversary = randomDate(1975, 2020);
  if (Math.random() < 0.5) body.location = any(PLACES);
  return Object.assign(body, overrides);
}

/** A partial update, as a client would send one. */
export function patchBody() {
  switch (Math.floor(Math.random() * 4)) {
    case 0: return { lastName: any(LAST) };
    case 1: return { timezone: any(ZONES) };
    case 2: return { location: Math.random() < 0.3 ? null : any(PLACES) };
    default: return { firstName: any(FIRST), anniversary: randomDate(1975, 2020) };
  }
}

/** The birthday text the design pins. */
export function birthdayText(first, last) {
  return `Hey, ${first} ${last} it's your birthday`;
}

export function anniversaryText(first, last) {
  return `Hey, ${first} ${last} it's your anniversary`;
}
