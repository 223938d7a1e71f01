/**
 * The preload: exposes exactly the contract as `window.casebook` (a CasebookApi), nothing else.
 * Runs sandboxed, so it only uses `electron` (contextBridge, ipcRenderer).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  eventChannel,
  eventNames,
  requestChannel,
  requestNames,
  type CasebookApi,
  type EventName,
  type RequestName,
} from '../shared/contract';

const api: CasebookApi = {
  request: (name, input) => {
    if (!requestNames.includes(name as RequestName)) {
      return Promise.resolve({ ok: false, error: { code: 'bad-request', message: `unknown request ${String(name)}` } });
    }
    return ipcRenderer.invoke(requestChannel(name), input);
  },
  on: (name, listener) => {
    if (!eventNames.includes(name as EventName)) throw new Error(`unknown event ${String(name)}`);
    const channel = eventChannel(name);
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload as Parameters<typeof listener>[0]);
    ipcRenderer.on(channel, handler);
    return () => void ipcRenderer.off(channel, handler);
  },
};

contextBridge.exposeInMainWorld('casebook', api);
