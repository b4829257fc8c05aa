// Renderer entry: mounts the app once the store is connected to MONO's services.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles/base.css';
import './styles/wizard.css';
import './styles/progress.css';
import './styles/dashboard.css';
import './styles/screens.css';
import './styles/status.css';
import './styles/small-window.css';
import './styles/chat.css';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
