import { forgetKey, onKeyChange, storedKey } from './api.ts';
import { errorBox } from './views/common.ts';
import { fleetView } from './views/fleet.ts';
import { liveView } from './views/live.ts';
import { meterView } from './views/meter.ts';
import { vehicleView } from './views/vehicle.ts';
import { TIME_ZONE } from './format.ts';
import './style.css';

/**
 * The operator page: one view at a time, chosen by the URL's hash (#/fleet, #/vehicle/<id>,
 * #/meter/<id>, #/live), so every view has a link and the back button works. Keys never appear in it.
 */

const root = document.getElementById('view')!;
const forget = document.getElementById('forget-key') as HTMLButtonElement;
document.getElementById('zone')!.textContent = `times in ${TIME_ZONE}`;

function showKeyButton(): void {
  forget.hidden = storedKey() === null;
}
onKeyChange(showKeyButton);
forget.addEventListener('click', () => {
  forgetKey();
  void route();
});

let rendering = 0;

async function route(): Promise<void> {
  const hash = location.hash.replace(/^#/, '') || '/fleet';
  const [path = '', search = ''] = hash.split('?');
  const params = new URLSearchParams(search);
  const [, view = 'fleet', id] = path.split('/');
  const ticket = ++rendering;
  document.querySelectorAll('[data-nav]').forEach((link) => {
    link.classList.toggle('active', link.getAttribute('data-nav') === view);
  });
  document.body.dataset.view = view;
  document.body.dataset.ready = 'false';
  try {
    if (view === 'vehicle' && id) await vehicleView(root, decodeURIComponent(id), params);
    else if (view === 'meter' && id) await meterView(root, decodeURIComponent(id), params);
    else if (view === 'live') await liveView(root, params);
    else await fleetView(root, params);
  } catch (error) {
    root.replaceChildren(errorBox(error));
  } finally {
    // Tests and screenshots wait for this: the view has shown its answer (or its error).
    if (ticket === rendering) document.body.dataset.ready = 'true';
  }
}

window.addEventListener('hashchange', () => void route());
showKeyButton();
void route();
