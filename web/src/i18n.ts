/**
 * Languages of the console: zh-CN and en. The first visit follows the browser's languages; a
 * choice made with the switch is remembered on this device.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en.ts';
import { zhCN } from './locales/zh-CN.ts';

/** Languages the console speaks. */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'custos.lang';

/** The language to start in: a remembered choice, else the browser's first match, else English. */
export function detectLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored === 'zh-CN' || stored === 'en') return stored;
  for (const l of browser) {
    const low = l.toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Switches the language and remembers the choice. */
export async function setLanguage(lang: Language): Promise<void> {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  await i18next.changeLanguage(lang);
}

i18next.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

await i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: detectLanguage(readStored(), navigator.languages ?? [navigator.language]),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18next.language;

export { i18next };
