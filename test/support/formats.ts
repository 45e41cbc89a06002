/** Plain page texts for tests that read pages off the console channel (`#42 <title>`). */
import type { PageFormats } from '../../src/pages/pager.js';

export const testFormats: PageFormats = {
  sms: (i) => `#${i.id} ${i.title}`,
  bundleSms: (incidents) =>
    `${incidents.length} new incidents: ${incidents.map((i) => `#${i.id}`).join(' ')}`,
  email: (i) => ({ subject: `#${i.id} ${i.title}`, text: i.title, html: `<p>${i.title}</p>` }),
  bundleEmail: (incidents) => ({ subject: `${incidents.length} new incidents`, text: '', html: '' }),
  ntfy: (i) => ({
    title: `#${i.id} ${i.title}`,
    message: i.title,
    priority: 3,
    tags: [],
    click: null,
    actions: [],
  }),
  bundleNtfy: (incidents) => ({
    title: `${incidents.length} new incidents`,
    message: incidents.map((i) => `#${i.id}`).join(' '),
    priority: 3,
    tags: [],
    click: null,
    actions: [],
  }),
};
