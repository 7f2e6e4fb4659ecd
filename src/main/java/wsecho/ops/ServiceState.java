package wsecho.ops;

import java.util.concurrent.atomic.AtomicBoolean;

/** Whether the service is ready for traffic: all verticles deployed, and not draining for shutdown. */
public final class ServiceState {

  private final AtomicBoolean deployed = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  public void deployed() {
    deployed.set(true);
  }

  /** Starts the drain: readiness fails at once and new handshakes are refused. */
  public void drain() {
    draining.set(true);
  }

  public boolean isDraining() {
    return draining.get();
  }

  public boolean isReady() {
    return deployed.get() && !draining.get();
  }
}
