# ws-echo container image, from the fat jar Maven builds:
#
#   mvn -B -DskipTests package && docker build -t ws-echo:1.0.0 .      (or podman build)
#
# The image for cluster mode (k8s/overlays/cluster) is the target "cluster": the same, plus the
# cluster manager's jars (target/cluster/, 16.5 MB) and the modules Hazelcast needs:
#
#   docker build --target cluster -t ws-echo:1.0.0-cluster .
#
# Two base images, both build arguments: JDK_IMAGE, a JDK with jmods/ (used only to make the Java
# runtime), and RUNTIME_IMAGE, a plain glibc base with no Java in it. ContainerImageIT builds this
# file with bases made from Debian packages (no registry is needed); the defaults are the public
# images users build on.
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- Netty's epoll library (transport "native") as a file of the image ---------------------------
# Found through java.library.path: otherwise Netty extracts it to /tmp, which containers mount
# noexec (podman's and docker's --tmpfs do), and the service would fall back to NIO.
FROM ${JDK_IMAGE} AS native
COPY target/ws-echo.jar /tmp/ws-echo.jar
RUN mkdir -p /app/native && cd /app/native && jar xf /tmp/ws-echo.jar META-INF/native/ \
 && mv META-INF/native/libnetty_transport_native_epoll_*.so . && rm -r META-INF

# ---- a Java runtime with only the modules the service uses, and its class-data archive ---------
FROM ${JDK_IMAGE} AS runtime
COPY target/ws-echo.jar /app/ws-echo.jar
COPY conf/config.json /app/conf/config.json
# Netty's epoll library, found through java.library.path (see the stage "native").
COPY --from=native /app/native/ /app/native/
# The modules jdeps names for the jar (ContainerImageTest keeps this list in step with it), less
# java.desktop, java.sql and java.compiler, which only unused parts of the libraries reach
# (Micrometer's logging and database binders, Vert.x's Java-source verticles); plus java.xml
# (logback.xml; jdeps has it through java.desktop) and SunEC (TLS with EC keys, a provider found
# only at run time).
ARG MODULES=java.base,java.logging,java.management,java.naming,java.xml,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.unsupported
# libjvm.so also loses its symbol table (4 MB): a crash report then shows its frames as offsets,
# which the build ID it keeps matches to the JDK's own unstripped library.
RUN jlink --add-modules "${MODULES}" --strip-debug --no-man-pages --no-header-files --compress=2 --output /opt/java \
 && if command -v strip > /dev/null; then strip --strip-unneeded /opt/java/lib/server/libjvm.so; fi
# AppCDS: start the service once, serve some echoes, stop it with SIGTERM, and write every class it
# loaded into one archive that each start then maps (scripts/container/train-cds).
COPY scripts/container/train-cds /tmp/train-cds
RUN /tmp/train-cds

# ---- cluster mode: the runtime with Hazelcast's modules too, trained clustered ----------------------
FROM ${JDK_IMAGE} AS cluster-runtime
COPY target/ws-echo.jar /app/ws-echo.jar
COPY target/cluster/ /app/cluster/
COPY conf/config.json /app/conf/config.json
# Netty's epoll library, as in the runtime stage.
COPY --from=native /app/native/ /app/native/
# MODULES, and what Hazelcast reaches besides: java.sql (its serializers know java.sql types),
# java.scripting, and jdk.net (keep-alive settings on the member connections).
ARG CLUSTER_MODULES=java.base,java.logging,java.management,java.naming,java.xml,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.unsupported,java.sql,java.scripting,jdk.net
RUN jlink --add-modules "${CLUSTER_MODULES}" --strip-debug --no-man-pages --no-header-files --compress=2 --output /opt/java \
 && if command -v strip > /dev/null; then strip --strip-unneeded /opt/java/lib/server/libjvm.so; fi
# The training run is a one-member cluster (this container alone), so that Hazelcast's classes are
# in the archive too.
COPY scripts/container/train-cds /tmp/train-cds
RUN CLUSTER_ENABLED=true CLUSTER_HOST=127.0.0.1 CLUSTER_MEMBERS=127.0.0.1:5701 /tmp/train-cds

FROM ${RUNTIME_IMAGE} AS cluster
COPY --from=cluster-runtime /opt/java /opt/java
COPY --from=cluster-runtime /app /app
ENV CONFIG_PATH=/app/conf/config.json
USER 10001:10001
WORKDIR /app
# HTTP; the Hazelcast member (cluster.port); the event bus (cluster.eventBusPort).
EXPOSE 8000 5701 5702
ENTRYPOINT ["/opt/java/bin/java", "-XX:SharedArchiveFile=/app/ws-echo.jsa", "-XX:MaxRAMPercentage=75", \
            "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-Djava.library.path=/app/native", "-jar", "/app/ws-echo.jar"]

# ---- the image: the runtime, the jar, its archive and the default config; no shell needed -------
# (the last stage: what a build without --target makes)
FROM ${RUNTIME_IMAGE}
COPY --from=runtime /opt/java /opt/java
COPY --from=runtime /app /app
# As in k8s/: user 10001, a read-only root filesystem with /tmp the only writable path, port 8000,
# config from CONFIG_PATH (the ConfigMap is mounted there).
ENV CONFIG_PATH=/app/conf/config.json
USER 10001:10001
WORKDIR /app
EXPOSE 8000
# The JVM is PID 1 and gets SIGTERM itself (exec form). The heap is three quarters of the
# container's memory limit; an OutOfMemoryError ends the process, for the orchestrator to restart.
# More JVM options: the JDK_JAVA_OPTIONS environment variable.
ENTRYPOINT ["/opt/java/bin/java", "-XX:SharedArchiveFile=/app/ws-echo.jsa", "-XX:MaxRAMPercentage=75", \
            "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-Djava.library.path=/app/native", "-jar", "/app/ws-echo.jar"]
