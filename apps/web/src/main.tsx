import { render } from "solid-js/web";
import { App } from "./App.tsx";
import { startClock } from "./lib/now.ts";
import { preloadSchemas } from "./lib/schemas.ts";
import { initRoute } from "./lib/route.ts";
import { initTheme } from "./lib/theme.ts";
import { initPermalink } from "./state/search.ts";
import "./styles.css";
import "./conversation.css";
import "./layout.css";

initTheme();
initPermalink();
initRoute();
startClock();
preloadSchemas();
const root = document.getElementById("root");
if (root) render(() => <App />, root);
