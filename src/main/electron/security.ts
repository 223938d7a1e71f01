/** The one lock-down place: navigation, new windows and web permissions. */
import { app, type Session } from 'electron';
import { isAppUrl } from './origin';
import { permissionAllowed } from './permissions';

/** Blocks navigation away from the app and every new window. Must run before the app is ready. */
export function lockDown(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** Denies every permission the app does not use (see permissions.ts). Run when ready, before the first window. */
export function lockPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl)),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin),
  );
}
