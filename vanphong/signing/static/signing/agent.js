// Signing through the desk agent: the page relays the server's request to vanphong-signer on
// 127.0.0.1 and the agent's answer back to the server. The PIN never passes through here.
(function () {
  "use strict";
  const root = document.querySelector("[data-agent-sign]");
  if (!root) return;
  const payload = JSON.parse(document.getElementById("agent-payload").textContent);
  const button = root.querySelector("[data-testid=agent-sign]");
  const status = root.querySelector("[data-testid=agent-status]");
  const error = root.querySelector("[data-testid=agent-error]");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;

  function fail(message) {
    error.textContent = message;
    error.classList.remove("d-none");
    status.textContent = "";
    button.disabled = false;
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    error.classList.add("d-none");
    status.textContent = "Đang chờ chương trình ký trên máy (nhập mã PIN ở chương trình ký)…";
    let answer;
    try {
      const response = await fetch(root.dataset.agentUrl + "/sign", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      answer = await response.json();
    } catch (e) {
      fail("Không kết nối được chương trình ký vanphong-signer trên máy này. Hãy mở chương trình ký rồi thử lại.");
      return;
    }
    status.textContent = "Đang hoàn tất văn bản…";
    try {
      const response = await fetch(root.dataset.completeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ pending_id: payload.request_id, response: answer }),
      });
      const result = await response.json();
      if (!response.ok || result.error) {
        fail(result.error || "Không hoàn tất được chữ ký.");
        return;
      }
      window.location.assign(result.url);
    } catch (e) {
      fail("Mất kết nối tới máy chủ khi hoàn tất chữ ký. Hãy ký lại.");
    }
  });
  // The button is rendered disabled: a click before this script ran would do nothing.
  button.disabled = false;
})();
