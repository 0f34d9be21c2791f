import { useContext } from "solid-js";
import { AppContext, type AppContextValue } from "../../state/context.ts";

/** The app's context where there is one (component tests render messages without it). */
export const useOptionalApp = (): AppContextValue | undefined => useContext(AppContext);
