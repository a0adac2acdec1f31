// The attendance page's + and − buttons: one tap, one person. No inline script (CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.step");
  if (!button) return;
  const input = document.getElementById(button.dataset.target);
  if (!input) return;
  const next = Math.max(0, (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10));
  input.value = String(next);
  input.dispatchEvent(new Event("change", { bubbles: true }));
});
