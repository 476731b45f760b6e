// WildNet console: passkeys and security keys (WebAuthn). Progressive enhancement: the passkey forms stay hidden
// where the browser cannot use them, and the code forms work without this file.
//
// A form with data-passkey="register" or "authenticate" asks the server for the ceremony's options (its
// data-options address, as JSON), hands them to navigator.credentials, puts the browser's answer in the form's
// "credential" field and sends the form: the server checks it and answers with a page, as for a code.
"use strict";

(() => {
  const forms = document.querySelectorAll("form[data-passkey]");
  const supported = Boolean(window.PublicKeyCredential && navigator.credentials);
  document.querySelectorAll("[data-passkey-unsupported]").forEach((notice) => {
    notice.hidden = supported;
  });
  if (!supported) {
    return;
  }

  // WebAuthn speaks bytes, JSON speaks base64url.
  const bytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(window.atob(padded), (character) => character.charCodeAt(0));
  };
  const text = (buffer) => {
    const binary = String.fromCharCode(...new Uint8Array(buffer));
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const descriptors = (list) => (list || []).map((credential) => ({ ...credential, id: bytes(credential.id) }));

  const create = async (options) => {
    const credential = await navigator.credentials.create({
      publicKey: {
        ...options,
        challenge: bytes(options.challenge),
        user: { ...options.user, id: bytes(options.user.id) },
        excludeCredentials: descriptors(options.excludeCredentials),
      },
    });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: text(response.clientDataJSON),
        attestationObject: text(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      },
    };
  };

  const get = async (options) => {
    const credential = await navigator.credentials.get({
      publicKey: {
        ...options,
        challenge: bytes(options.challenge),
        allowCredentials: descriptors(options.allowCredentials),
      },
    });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: text(response.clientDataJSON),
        authenticatorData: text(response.authenticatorData),
        signature: text(response.signature),
        userHandle: response.userHandle ? text(response.userHandle) : null,
      },
    };
  };

  // The server's refusal, in the officer's language, as opposed to the browser's (cancelled, no key, timed out).
  class Refused extends Error {}

  forms.forEach((form) => {
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      const answer = form.elements.namedItem("credential");
      if (answer.value) {
        return; // the browser has answered: the form goes to the server
      }
      event.preventDefault();
      const alert = form.querySelector("[data-passkey-error]");
      const button = event.submitter || form.querySelector("button[type=submit]");
      alert.textContent = "";
      button.disabled = true;
      try {
        const response = await fetch(form.dataset.options, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": form.elements.namedItem("csrfmiddlewaretoken").value },
        });
        const options = await response.json();
        if (!response.ok) {
          throw new Refused(options.error);
        }
        const credential = form.dataset.passkey === "register" ? await create(options) : await get(options);
        answer.value = JSON.stringify(credential);
        form.submit();
      } catch (error) {
        alert.textContent = error instanceof Refused && error.message ? error.message : form.dataset.failed;
        button.disabled = false;
      }
    });
  });
})();
