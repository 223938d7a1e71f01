import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { eventChannel, requestChannel, requestNames, type EventName, type EventPayload } from '../../shared/contract';
import { failure, type Lab } from '../lab/lab';
import { isAppUrl } from './origin';

/** One handler per contract request; only our own page may call them. */
export function wireRequests(lab: Lab): void {
  for (const name of requestNames) {
    ipcMain.handle(requestChannel(name), (event: IpcMainInvokeEvent, input: unknown) => {
      if (!isAppUrl(event.senderFrame?.url ?? '')) return failure('unauthorized', 'request from an unknown page');
      return lab.dispatch(name, input);
    });
  }
}

/** Pushes a contract event to every window. */
export function broadcast<K extends EventName>(name: K, payload: EventPayload<K>): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(eventChannel(name), payload);
}
