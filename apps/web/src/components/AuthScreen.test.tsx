// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, test } from "vitest";
import { AuthScreen } from "./AuthScreen.tsx";

afterEach(cleanup);

describe("the sign-in and sign-up forms", () => {
  test("say what is missing, in the server's own words, before sending anything", async () => {
    render(() => <AuthScreen onAuthed={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Enter your username or e-mail")).toBeTruthy();
    expect(screen.getByText("Enter your password")).toBeTruthy();
    expect(screen.getByLabelText("Username or e-mail").getAttribute("aria-invalid")).toBe("true");
  });

  test("check a new account against the registration schema", async () => {
    render(() => <AuthScreen onAuthed={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Create an account" }));
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "a b" } });
    fireEvent.input(screen.getByLabelText("E-mail"), { target: { value: "not-an-email" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "short" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("Username may only contain letters, digits, _ . and -")).toBeTruthy();
    expect(screen.getByText("Enter a valid e-mail address")).toBeTruthy();
    expect(screen.getByText("Password must be at least 8 bytes")).toBeTruthy();
  });
});
